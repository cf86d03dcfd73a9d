#!/usr/bin/env bash
# The islands build's floor: the same crate with every #[island] turned into
# a plain #[component] (so no island code ships), built like the release
# front end (wasm-release profile, wasm-bindgen, wasm-opt -Oz). Prints the
# wasm and js sizes, gzip -9. What the floor holds is leptos' island
# runtime, wasm-bindgen's glue and the allocator: the fixed cost every
# island page pays. Takes a full wasm build (~3 min). Usage:
#   scripts/wasm_floor.sh
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
source "$here/scripts/env.sh"
scripts_dir="$here/scripts"
"$scripts_dir/tools.sh" build >/dev/null
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$here" && git ls-files -z | grep -zv '^end2end/' | xargs -0 tar cf - ) | (cd "$work" && tar xf -)
grep -rl '#\[island\]' "$work/src" | xargs sed -i 's/#\[island\]/#[component]/'
(cd "$work" && cargo build --quiet --lib --target wasm32-unknown-unknown --profile wasm-release \
  --no-default-features --features hydrate)
out="$work/out"
mkdir -p "$out"
wasm-bindgen --target web --out-dir "$out" --out-name keyward \
  "$CARGO_TARGET_DIR/wasm32-unknown-unknown/wasm-release/keyward.wasm"
wasm-opt -Oz --enable-bulk-memory --enable-nontrapping-float-to-int "$out/keyward_bg.wasm" -o "$out/keyward.wasm"
wasm_raw=$(stat -c %s "$out/keyward.wasm")
wasm_gz=$(gzip -9 -c "$out/keyward.wasm" | wc -c)
js_gz=$(gzip -9 -c "$out/keyward.js" | wc -c)
echo "floor: wasm ${wasm_raw} B raw, ${wasm_gz} B gzip; js ${js_gz} B gzip; together $((wasm_gz + js_gz)) B gzip"
