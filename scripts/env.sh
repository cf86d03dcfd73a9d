# Sourced by the project's scripts: where tools and build output live.
# The target dir sits outside the clone so CI's fresh clones reuse compiled
# dependencies (docs/toolchain.md); a build from nothing still works.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/keyward-target}"
export KEYWARD_TOOLS_DIR="${KEYWARD_TOOLS_DIR:-$HOME/.cache/keyward-tools}"
export PATH="$KEYWARD_TOOLS_DIR/node_modules/.bin:$HOME/.cargo/bin:$PATH"
