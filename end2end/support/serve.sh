#!/usr/bin/env bash
# The suite's web server: a fresh data dir, seeded agencies, users and keys,
# then the real binary. Specs that change data use their own agency or
# names, so the two projects (hydrated, no-js) can run side by side.
set -euo pipefail
: "${KEYWARD_BIN:?}" "${KEYWARD_DATA_DIR:?}" "${SEED_PASSWORD:?}"
rm -rf "$KEYWARD_DATA_DIR"
mkdir -p "$KEYWARD_DATA_DIR"
export KEYWARD_DATA_DIR
add() { # email name role agency workspace
  printf '%s' "$SEED_PASSWORD" | "$KEYWARD_BIN" user add --agency "$4" --workspace "$5" \
    --email "$1" --name "$2" --role "$3" --password-stdin
}
key() { # agency name scopes [more flags]
  local agency="$1" name="$2" scopes="$3"
  shift 3
  local log
  if ! log=$("$KEYWARD_BIN" key create --agency "$agency" --name "$name" --scopes "$scopes" "$@" 2>&1 >/dev/null); then
    echo "seeding key $name failed: $log" >&2
    exit 1
  fi
}

# The main agency: one user of each role; room for the keys the specs create.
add sam@acme.test "Sam Super" super_manager "Acme Realty" Downtown
add max@acme.test "Max Manager" manager "Acme Realty" Downtown
add ada@acme.test "Ada Agent" agent "Acme Realty" Downtown
"$KEYWARD_BIN" agency set --agency "Acme Realty" --max-active-keys 1000 2>/dev/null
key "Acme Realty" "Seeded feed" read:leads

# Thirty keys over two pages, only read by the specs.
add pat@paging.test "Pat Pager" super_manager "Paging Partners" Main
"$KEYWARD_BIN" agency set --agency "Paging Partners" --max-active-keys 1000 2>/dev/null
for i in $(seq -w 1 30); do
  env=live
  [ $((10#$i % 3)) -eq 0 ] && env=test
  key "Paging Partners" "Feed $i" read:leads --env "$env"
done

# An agency without keys.
add eve@empty.test "Eve Empty" super_manager "Empty Estates" Main

# One agency per project at its limit of 3, agency-wide and in its workspace.
for project in hydrated no-js; do
  add "lou-$project@limit.test" "Lou Limit" super_manager "Limit Homes $project" Main
  for i in 1 2 3; do
    key "Limit Homes $project" "Limit $i" read:leads
    key "Limit Homes $project" "Main limit $i" read:leads --workspace Main
  done
done

# Notice Nook <project>: a key left unused, and the maintenance jobs run
# as 16 and 24 days from now, so its 15- and 7-day deletion notices wait
# for Nina (a 30-day window). The jobs run before any test data exists:
# the future weekly sandbox reset they claim has nothing to purge.
for project in hydrated no-js; do
  add "nina-$project@notice.test" "Nina Notice" super_manager "Notice Nook $project" Main
  "$KEYWARD_BIN" agency set --agency "Notice Nook $project" --inactivity-days 30 2>/dev/null
  key "Notice Nook $project" "Idle feed" read:leads --validity never
done
for days in 16 24; do
  "$KEYWARD_BIN" jobs run --now "$(date -u -d "+$days days" +%Y-%m-%dT%H:%M:%SZ)" >/dev/null
done

# OAuth Oaks <project>: an agency of its own per project for the OAuth
# pages (apps registered, authorized and deleted by oauth.spec.ts).
for project in hydrated no-js; do
  add "olive-$project@oauth.test" "Olive OAuth" super_manager "OAuth Oaks $project" Main
done

# Webhook Wharf <project>: an agency of its own per project for the
# Webhooks pages (endpoints added, tested and deleted by webhooks.spec.ts).
for project in hydrated no-js; do
  add "wendy-$project@webhooks.test" "Wendy Webhook" super_manager "Webhook Wharf $project" Main
done

# Team Town <project>: the team pages (team.spec.ts) invite, change,
# disable and reset people here, one person per test (they run in
# parallel): Mo and Kit manage Main and a key acts as each; Pia changes
# her own password and sessions; Rex gets a reset link.
for project in hydrated no-js; do
  add "tess-$project@team.test" "Tess Team" super_manager "Team Town $project" Main
  add "mo-$project@team.test" "Mo Manager" manager "Team Town $project" Main
  add "pia-$project@team.test" "Pia Person" agent "Team Town $project" Main
  add "rex-$project@team.test" "Rex Reset" agent "Team Town $project" Main
  add "kit-$project@team.test" "Kit Keyboard" manager "Team Town $project" Main
  key "Team Town $project" "Mo's feed" read:leads --workspace Main --act-as "mo-$project@team.test"
  key "Team Town $project" "Kit's feed" read:leads --workspace Main --act-as "kit-$project@team.test"
done

# Leads and properties arrive only through /v1, as keys would send them.
add rita@records.test "Rita Records" super_manager "Records Realty" Harbour
# Room for the keys session-tokens.spec.ts makes to mint from.
"$KEYWARD_BIN" agency set --agency "Records Realty" --max-active-keys 1000 2>/dev/null
live=$("$KEYWARD_BIN" key create --agency "Records Realty" --workspace Harbour --name "Portal sync" \
  --scopes write:leads,write:properties --rate-limit 0)
test=$("$KEYWARD_BIN" key create --agency "Records Realty" --workspace Harbour --name "Sandbox sync" \
  --scopes write:leads,write:properties --env test --rate-limit 0)

# A first server on a port of its own takes the imports (so the suite,
# which polls the real address, cannot start before they are all in), then
# stops; the real one follows.
seed_log="$KEYWARD_DATA_DIR/seed-server.log"
KEYWARD_ADDR=127.0.0.1:0 "$KEYWARD_BIN" serve >"$seed_log" 2>&1 &
server=$!
base=""
for _ in $(seq 200); do
  base=$(grep -o 'http://127.0.0.1:[0-9]*' "$seed_log" | head -1 || true)
  [ -n "$base" ] && curl -fs "$base/readyz" >/dev/null && break
  sleep 0.05
done
send() { # token method path json
  curl -fsS -X "$2" "$base$3" -H "Authorization: Bearer $1" \
    -H "Content-Type: application/json" -d "$4" >/dev/null
}
for i in $(seq -w 1 30); do
  source=Zillow
  [ $((10#$i % 2)) -eq 0 ] && source=Rightmove
  send "$live" POST /v1/leads "{\"first_name\":\"Lead\",\"last_name\":\"$i\",\"email\":\"lead$i@example.com\",\"source\":\"$source\"}"
done
send "$test" POST /v1/leads '{"first_name":"Sandbox","last_name":"Lead","email":"sandbox@example.com"}'
send "$live" PUT /v1/properties/MLS-1 '{"title":"Harbour loft","city":"Portsmouth","price_cents":25000000,"bedrooms":2}'
send "$live" PUT /v1/properties/MLS-2 '{"title":"Garden cottage","city":"Portsmouth","price_cents":41000000,"bedrooms":3}'
send "$test" PUT /v1/properties/SANDBOX-1 '{"title":"Sandbox flat"}'
kill -TERM "$server"
wait "$server" || true

# The server's log also goes to a file: support/test.ts fails any test
# during which the server logged a panic (a panic the client never saw is
# still a bug).
exec "$KEYWARD_BIN" serve 2> >(tee -a "$KEYWARD_DATA_DIR/server.log" >&2)
