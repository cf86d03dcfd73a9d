#!/usr/bin/env bash
# The suite's web server: a fresh data dir, seeded users, then the real binary.
set -euo pipefail
: "${KEYWARD_BIN:?}" "${KEYWARD_DATA_DIR:?}" "${SEED_PASSWORD:?}"
rm -rf "$KEYWARD_DATA_DIR"
mkdir -p "$KEYWARD_DATA_DIR"
export KEYWARD_DATA_DIR
add() {
  printf '%s' "$SEED_PASSWORD" | "$KEYWARD_BIN" user add --agency "Acme Realty" --workspace Downtown \
    --email "$1" --name "$2" --role "$3" --password-stdin
}
add sam@acme.test "Sam Super" super_manager
add max@acme.test "Max Manager" manager
add ada@acme.test "Ada Agent" agent
exec "$KEYWARD_BIN" serve
