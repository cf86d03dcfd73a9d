#!/usr/bin/env bash
# Makes sure the PostgreSQL the tests use answers. Under CI=true it starts
# the local cluster if it is down and fails if it still does not answer;
# elsewhere it says loudly that the PostgreSQL tests will be skipped.
set -uo pipefail
url="${KEYWARD_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

answers() { psql "$url" -Atqc 'SELECT 1' >/dev/null 2>&1; }

if answers; then
  echo "[postgres] $url answers" >&2
  exit 0
fi
if [ "${CI:-}" = "true" ] && [ -d /etc/postgresql ] && command -v pg_ctlcluster >/dev/null; then
  echo "[postgres] down: starting the local cluster" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  for _ in $(seq 1 30); do answers && { echo "[postgres] started" >&2; exit 0; }; sleep 1; done
fi
if [ "${CI:-}" = "true" ]; then
  echo "[postgres] FAILED: $url does not answer and CI=true requires the PostgreSQL tests" >&2
  exit 1
fi
cat >&2 <<MSG

  !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!
  !!  PostgreSQL at $url does not answer.
  !!  The PostgreSQL half of the integration tests will be SKIPPED.
  !!  Start it, or set KEYWARD_TEST_POSTGRES_URL, to run them.
  !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!

MSG
exit 0
