#!/usr/bin/env bash
# cargo-deny over the dependency graph (deny.toml): licenses, bans
# (duplicate versions) and sources always; advisories when the RustSec
# database can be fetched (it lives on GitHub: a machine that reaches only
# the package registries says so and goes on). KEYWARD_ADVISORY_DB names a
# local clone of github.com/rustsec/advisory-db to check against instead.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-deny >/dev/null || scripts/tools.sh test
cargo deny --log-level error check licenses bans sources
if [ -n "${KEYWARD_ADVISORY_DB:-}" ]; then
  db="$(mktemp -d)"
  trap 'rm -rf "$db"' EXIT
  git clone -q "$KEYWARD_ADVISORY_DB" "$db/advisory-db"
  cargo deny --log-level error check --config <(sed "s|^\[advisories\]|[advisories]\ndb-path = \"$db\"\ndb-urls = [\"$KEYWARD_ADVISORY_DB\"]|" deny.toml) advisories
elif timeout 60 cargo deny --log-level error fetch db >/dev/null 2>&1; then
  cargo deny --log-level error check --disable-fetch advisories
else
  echo "cargo deny: the RustSec advisory database cannot be fetched from here; advisories not checked (set KEYWARD_ADVISORY_DB to a local clone)" >&2
fi
