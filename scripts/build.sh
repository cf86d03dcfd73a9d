#!/usr/bin/env bash
# Builds the release binary with the whole site embedded, into dist/keyward.
# Two steps (docs/toolchain.md): the front end first, then the server embedding it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/tools.sh build

cargo leptos build --release --frontend-only
for file in target/site/pkg/keyward.wasm target/site/pkg/keyward.js target/site/pkg/keyward.css; do
  if [ ! -s "$file" ]; then
    echo "build: $file is missing or empty; refusing to embed an incomplete site" >&2
    exit 1
  fi
done
cargo leptos build --release --server-only --bin-features embed
mkdir -p dist
cp "$CARGO_TARGET_DIR/release/keyward" dist/keyward.tmp
mv dist/keyward.tmp dist/keyward
echo "build: dist/keyward ($(du -h dist/keyward | cut -f1))" >&2
