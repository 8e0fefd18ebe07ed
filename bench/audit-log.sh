#!/usr/bin/env bash
# Times the Audit Log at scale. Seeds USERS users with TOKENS tokens and SIGN_INS past
# sign-ins each (defaults: 20,000, 400,000 and 30: about a million audit events) into a fresh
# database, starts the release server on a free port, and prints the median and worst of
# RUNS server answers for the Audit Log page (server-rendered), its filters and a deep page,
# the API's first page and a cursor walk step, and the full CSV export.
# The database is SQLite, or with BACKEND=postgres a throwaway PostgreSQL cluster.
# Usage: bench/audit-log.sh
#        BACKEND=postgres bench/audit-log.sh
set -euo pipefail
users=${USERS:-20000}
tokens=${TOKENS:-400000}
sign_ins=${SIGN_INS:-30}
runs=${RUNS:-7}
backend=${BACKEND:-sqlite}
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "$backend" = postgres ] && [ -z "${TESSERA_TEST_POSTGRES_URL:-}" ]; then
  exec "$root/server/tests/with-postgres.sh" "$0" "$@"
fi
bin="$root/target/release/tessera"
[ -x "$bin" ] || make -C "$root" build

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

case $backend in
  sqlite) export DATABASE_URL="sqlite://$work/bench.db" ;;
  postgres) export DATABASE_URL=$TESSERA_TEST_POSTGRES_URL ;;
  *) echo "BACKEND is sqlite or postgres, not '$backend'" >&2; exit 1 ;;
esac
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
password="bench-$RANDOM-$RANDOM"

"$bin" migrate >/dev/null
printf '%s\n' "$password" | "$bin" user add bench --admin >/dev/null
"$bin" demo seed --users "$users" --tokens "$tokens" --sign-ins "$sign_ins"
TESSERA_ADDR="127.0.0.1:$port" TESSERA_SITE_ROOT="$root/target/site" \
  RUST_LOG=warn,tessera::housekeeping=info "$bin" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
# Demo tokens go back 500 days: at start the retention job (365 days) deletes the oldest
# events, a batch at a time. Timing starts once it is done.
for _ in $(seq 1 600); do grep -q "old audit events deleted" "$work/server.log" && break; sleep 0.5; done
grep "old audit events deleted" "$work/server.log" | sed 's/^.*INFO /  start-up: /' || true
curl -fsS -c "$work/jar" --data-urlencode "username=bench" --data-urlencode "password=$password" "$base/rpc/login" >/dev/null
# An audit:read token of the bench admin, for the API.
token=$("$bin" token add bench --label bench --expires 7 --permission audit:read)

measure() { # curl arguments → "median worst" in milliseconds over $runs answers (after one warm-up)
  curl -fsS -o /dev/null "$@"
  for _ in $(seq 1 "$runs"); do
    curl -fsS -o /dev/null -w '%{time_total}\n' "$@"
  done | sort -n | awk '{ t[NR] = $1 * 1000 } END { printf "%8.1f %8.1f", t[int((NR + 1) / 2)], t[NR] }'
}

user=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/audit?action=sign_in.succeeded&limit=1" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["events"][0]["actor_username"])')
day=$(date -u -d '10 days ago' +%F)
cursor=$(curl -fsS -H "Authorization: Bearer $token" "$base/api/v1/audit?limit=100" \
  | python3 -c 'import json,sys; print(json.load(sys.stdin)["next_cursor"])')

held=$(curl -fsS -b "$work/jar" "$base/admin/audit" | grep -o 'Events 1–50 of [0-9]*' | head -n 1)
echo
echo "Audit Log, $users users, $tokens tokens, $sign_ins sign-ins each, $backend, release build ($runs runs each)"
echo "The log holds: ${held#Events 1–50 of } events"
printf '%-62s %8s %8s\n' "request" "median" "worst"
for path in \
  "/admin/audit" \
  "/admin/audit?page=100" \
  "/admin/audit?action=token.expired" \
  "/admin/audit?user=$user" \
  "/admin/audit?address=10.1." \
  "/admin/audit?from=$day&to=$day" \
  "/admin/audit?action=sign_in.failed&from=$day"; do
  printf '%-62s %s\n' "GET $path" "$(measure -b "$work/jar" "$base$path")"
done
for path in \
  "/api/v1/audit" \
  "/api/v1/audit?cursor=$cursor" \
  "/api/v1/audit?user=$user"; do
  printf '%-62s %s\n' "GET ${path:0:56}" "$(measure -H "Authorization: Bearer $token" "$base$path")"
done
start=$(date +%s.%N)
rows=$(curl -fsS -b "$work/jar" "$base/admin/audit.csv" | wc -l)
end=$(date +%s.%N)
printf '%-62s %8.1f  (%d rows)\n' "GET /admin/audit.csv (once)" "$(echo "($end - $start) * 1000" | bc)" "$((rows - 1))"
