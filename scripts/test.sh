#!/usr/bin/env bash
# `make test`: everything that must pass before a change lands.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

started=$(date +%s)
step() {
  local name="$1"; shift
  echo "=== $name" >&2
  local t0=$(date +%s)
  "$@"
  echo "=== $name: ok ($(( $(date +%s) - t0 ))s)" >&2
}

step "tools" scripts/tools.sh test
step "postgres" scripts/postgres.sh
step "cargo fmt --check" cargo fmt --all -- --check
step "clippy (server, tests)" cargo clippy --workspace --all-targets --features ssr -- -D warnings
step "clippy (browser, wasm)" cargo clippy --lib --features hydrate --target wasm32-unknown-unknown -- -D warnings
step "cargo deny (licenses, duplicates, sources, advisories)" scripts/deny.sh
step "unit and integration tests (SQLite and PostgreSQL)" cargo test --workspace --features ssr
step "release build" scripts/build.sh
step "wasm budget (300 kB gzip, wasm + js)" python3 scripts/wasm_budget.py
step "/v1 contract (openapi-spec-validator, Postman schema, schemathesis)" scripts/contract.sh dist/keyward
step "Playwright (hydrated and JavaScript off)" bash -c "cd end2end && npx playwright test"
echo "=== make test passed in $(( $(date +%s) - started ))s" >&2
