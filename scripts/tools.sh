#!/usr/bin/env bash
# Installs every tool the build and the tests need, each step skipped when
# already done. Safe to run on every `make run` / `make test`.
#   scripts/tools.sh build   -> wasm target, wasm-bindgen CLI, cargo-leptos, wasm-opt
#   scripts/tools.sh test    -> the above + cargo-deny + Chromium (apt) + end2end npm packages
#   scripts/tools.sh bench   -> the build tools + wrk and hey (apt)
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.10
WASM_BINDGEN_VERSION=0.2.129
BINARYEN_VERSION=132
CARGO_DENY_VERSION=0.20.2
# The /v1 contract checkers of scripts/contract.sh (PyPI), Authlib, the
# stock OAuth client of scripts/oauth_client.py, and standardwebhooks, the
# Standard Webhooks verifier of scripts/webhook_verifier.py.
PYTHON_TOOLS="schemathesis==4.32.5 openapi-spec-validator==0.7.2 Authlib==1.9.10 requests==2.34.2 standardwebhooks==1.0.0"
TOOLS_DIR="${KEYWARD_TOOLS_DIR:-$HOME/.cache/keyward-tools}"
here="$(cd "$(dirname "$0")/.." && pwd)"
mode="${1:-build}"

log() { printf '[tools] %s\n' "$*" >&2; }

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  log "adding wasm32-unknown-unknown target"
  rustup target add wasm32-unknown-unknown
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION"; then
  log "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (~3 min)"
  cargo install wasm-bindgen-cli --locked --version "$WASM_BINDGEN_VERSION"
fi

if ! cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then
  log "installing cargo-leptos $CARGO_LEPTOS_VERSION (~19 min, once per machine)"
  cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
fi

if [ ! -x "$TOOLS_DIR/node_modules/.bin/wasm-opt" ]; then
  log "installing binaryen $BINARYEN_VERSION (wasm-opt) into $TOOLS_DIR"
  mkdir -p "$TOOLS_DIR"
  (cd "$TOOLS_DIR" && [ -f package.json ] || echo '{"private":true}' > package.json)
  (cd "$TOOLS_DIR" && npm install --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION")
fi

if [ "$mode" = "test" ]; then
  if ! cargo deny --version 2>/dev/null | grep -q " $CARGO_DENY_VERSION"; then
    log "installing cargo-deny $CARGO_DENY_VERSION (dependency licenses, duplicates, advisories)"
    cargo install cargo-deny --locked --version "$CARGO_DENY_VERSION"
  fi
  if [ ! -x /usr/bin/chromium ]; then
    log "installing Debian's chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq chromium >/dev/null
  fi
  lock="$here/end2end/package-lock.json"
  stamp="$here/end2end/node_modules/.keyward-lock"
  if [ ! -f "$stamp" ] || ! cmp -s "$lock" "$stamp"; then
    log "installing end2end npm packages from the lock file"
    (cd "$here/end2end" && npm ci --no-audit --no-fund --silent)
    cp "$lock" "$stamp"
  fi
  if [ "$(cat "$TOOLS_DIR/venv/.keyward-tools" 2>/dev/null)" != "$PYTHON_TOOLS" ]; then
    # CPython 3.11's parser trips on schemathesis' largest module
    # ("AST constructor recursion depth mismatch"): take a newer one if the
    # machine has it (pyenv or Debian), else the default python3.
    python=python3
    for candidate in "$HOME"/.pyenv/versions/3.1[3-9]*/bin/python3 "$HOME"/.pyenv/versions/3.12*/bin/python3 \
      /usr/bin/python3.13 /usr/bin/python3.12; do
      if [ -x "$candidate" ] && "$candidate" -c 'import venv' 2>/dev/null; then python="$candidate"; break; fi
    done
    log "installing $PYTHON_TOOLS into $TOOLS_DIR/venv ($("$python" --version))"
    rm -rf "$TOOLS_DIR/venv"
    "$python" -m venv "$TOOLS_DIR/venv"
    # shellcheck disable=SC2086
    "$TOOLS_DIR/venv/bin/pip" install --quiet --disable-pip-version-check $PYTHON_TOOLS
    echo "$PYTHON_TOOLS" > "$TOOLS_DIR/venv/.keyward-tools"
  fi
fi

if [ "$mode" = "bench" ]; then
  for tool in wrk hey; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      log "installing Debian's $tool (load generator for make bench)"
      export DEBIAN_FRONTEND=noninteractive
      apt-get install -y -qq "$tool" >/dev/null || { apt-get update -qq && apt-get install -y -qq "$tool" >/dev/null; }
    fi
  done
fi
