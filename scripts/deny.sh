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
  work="$(mktemp -d)"
  trap 'rm -rf "$work"' EXIT
  # The same rules with a database directory of our own: cargo-deny names
  # the clone it wants there (its attempt to fetch says where), and the
  # local copy is cloned into that place.
  sed "s|^\[advisories\]|[advisories]\ndb-path = \"$work/db\"|" deny.toml > "$work/deny.toml"
  place="$(timeout 60 cargo deny --config "$work/deny.toml" fetch db 2>&1 | sed -n "s/^Cloning into '\(.*\)'.*/\1/p" | head -1 || true)"
  [ -n "$place" ] || { echo "cargo deny: could not tell where the advisory database goes" >&2; exit 1; }
  rm -rf "$place"
  git clone -q "$KEYWARD_ADVISORY_DB" "$place"
  cargo deny --log-level error --config "$work/deny.toml" --offline check advisories
elif timeout 60 cargo deny --log-level error fetch db >/dev/null 2>&1; then
  cargo deny --log-level error --offline check advisories
else
  echo "cargo deny: the RustSec advisory database cannot be fetched from here (GitHub); advisories not checked. KEYWARD_ADVISORY_DB=<a local clone> checks against it." >&2
fi
