#!/usr/bin/env bash
# `make run`: build the release binary, then serve it on 127.0.0.1:3000
# with its SQLite database in ./data.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/build.sh
export KEYWARD_ADDR="${KEYWARD_ADDR:-127.0.0.1:3000}"
export KEYWARD_DATA_DIR="${KEYWARD_DATA_DIR:-./data}"
echo "Starting keyward on http://$KEYWARD_ADDR (data in $KEYWARD_DATA_DIR). Stop with Ctrl+C."
echo "Users: the first run prints a setup link; or: dist/keyward user add --help"
echo "Demo data: before the first start, KEYWARD_DATA_DIR=$KEYWARD_DATA_DIR dist/keyward demo fills the empty database and prints how to sign in."
exec dist/keyward serve
