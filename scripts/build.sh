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
# The server embeds target/embed: a copy of target/site in which a file is
# written only when its bytes changed. cargo-leptos rewrites every file of
# the site on each build; copied as is, the new mtimes would make cargo
# recompile and relink the server even when nothing changed.
mkdir -p target/embed
(cd target/site && find . -type f) | while IFS= read -r file; do
  if ! cmp -s "target/site/$file" "target/embed/$file"; then
    mkdir -p "$(dirname "target/embed/$file")"
    cp "target/site/$file" "target/embed/$file"
  fi
done
(cd target/embed && find . -type f) | while IFS= read -r file; do
  [ -e "target/site/$file" ] || rm -f "target/embed/$file"
done
cargo leptos build --release --server-only --bin-features embed
mkdir -p dist
cp "$CARGO_TARGET_DIR/release/keyward" dist/keyward.tmp
mv dist/keyward.tmp dist/keyward
echo "build: dist/keyward ($(du -h dist/keyward | cut -f1))" >&2
