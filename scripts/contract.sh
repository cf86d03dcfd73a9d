#!/usr/bin/env bash
# The /v1 contract checked by tools no one here wrote, on a running server:
# openapi-spec-validator (PyPI) checks /v1/openapi.json is valid OpenAPI
# 3.1; @har-sdk/validator (npm) checks /v1/postman.json against Postman's
# collection v2.1 schema; schemathesis (PyPI) reads the OpenAPI document and
# sends what it allows (and what it does not), checking every answer;
# Authlib (PyPI) runs the OAuth flow as an app would (scripts/oauth_client.py);
# standardwebhooks (PyPI) verifies webhook deliveries as a receiver would
# (scripts/webhook_verifier.py).
# Usage: scripts/contract.sh [binary]   (default dist/keyward)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh

binary="${1:-dist/keyward}"
venv="$KEYWARD_TOOLS_DIR/venv"
schemathesis="$venv/bin/schemathesis"
[ -x "$schemathesis" ] || scripts/tools.sh test
data=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cleanup() {
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT

export KEYWARD_DATA_DIR="$data" RUST_LOG=warn
printf 'contract-password-1\n' | "$binary" user add --email owner@contract.test --name "Contract Owner" \
  --role super_manager --agency "Contract Realty" --workspace "Main" --password-stdin >/dev/null
# A second workspace, so agency-wide writes must name theirs.
printf 'contract-password-2\n' | "$binary" user add --email agent@contract.test --name "Contract Agent" \
  --role agent --agency "Contract Realty" --workspace "Branch" --password-stdin >/dev/null
"$binary" agency set --agency "Contract Realty" --max-active-keys 1000 >/dev/null
# Workspace-wide, so writes need no workspace_id; admin, so every endpoint answers; unlimited rate.
token=$("$binary" key create --agency "Contract Realty" --workspace Main --name "Contract" \
  --scopes admin --validity never --rate-limit 0)

# An app for the stock OAuth client (scripts/oauth_client.py, Authlib).
oauth_app=$("$binary" oauth-app create --agency "Contract Realty" --name "Authlib Client" \
  --redirect-uri http://127.0.0.1:9/cb --scopes read:leads,write:leads)
oauth_client_id=$(printf '%s\n' "$oauth_app" | sed -n 's/^client_id: //p')
oauth_client_secret=$(printf '%s\n' "$oauth_app" | sed -n 's/^client_secret: //p')

# Webhooks may go to loopback only (the verifier's receiver); schemathesis'
# endpoints elsewhere are refused or fail without leaving the machine.
KEYWARD_ADDR="127.0.0.1:$port" KEYWARD_WEBHOOK_ALLOW_NETS=127.0.0.1/32 "$binary" serve >"$data/server.log" 2>&1 &
server=$!
for _ in $(seq 100); do
  curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break
  sleep 0.1
done

base="http://127.0.0.1:$port"
curl -fsS "$base/v1/openapi.json" -o "$data/openapi.json"
"$venv/bin/openapi-spec-validator" --schema 3.1 "$data/openapi.json"
(cd end2end && node support/check-postman.cjs "$base")
# Before schemathesis, which fills the agency's endpoints up to their limit.
"$venv/bin/python" scripts/webhook_verifier.py "$base" "$token"

# Checks: every documented one except those that cannot hold by design:
# - use_after_free / ensure_resource_availability: a DELETE /v1/keys/{id}
#   may remove the calling key itself, after which everything is 401.
"$schemathesis" --config-file scripts/schemathesis.toml run "$base/v1/openapi.json" \
  --header "Authorization: Bearer $token" \
  --checks all \
  --exclude-checks use_after_free,ensure_resource_availability \
  --generation-database none \
  --max-examples "${CONTRACT_EXAMPLES:-40}" \
  --workers 2 \
  --seed 1 \
  --no-color \
  --suppress-health-check all
"$venv/bin/python" scripts/oauth_client.py "$base" "$oauth_client_id" "$oauth_client_secret" \
  owner@contract.test contract-password-1
if grep -E '"level":"ERROR"|ERROR|panicked' "$data/server.log"; then
  echo "the server logged errors during the contract run (above)" >&2
  exit 1
fi
