#!/usr/bin/env bash
# Times the System Users report at scale. Seeds USERS users and TOKENS tokens (default 10,000
# and 100,000) into a fresh database, starts the release server on a free port, and prints
# the median and worst of RUNS server answers for every example report and for filtered,
# sorted and deep pages, then the full CSV export with the server's memory before and during it.
# The database is SQLite, or with BACKEND=postgres a throwaway PostgreSQL cluster.
# Usage: bench/report.sh
#        BACKEND=postgres USERS=100000 TOKENS=1000000 bench/report.sh
set -euo pipefail
users=${USERS:-10000}
tokens=${TOKENS:-100000}
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
"$bin" demo seed --users "$users" --tokens "$tokens"
TESSERA_ADDR="127.0.0.1:$port" TESSERA_SITE_ROOT="$root/target/site" RUST_LOG=warn "$bin" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fsS "$base/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
curl -fsS -c "$work/jar" --data-urlencode "username=bench" --data-urlencode "password=$password" "$base/rpc/login" >/dev/null

measure() { # path → "median worst" in milliseconds over $runs answers (after one warm-up)
  curl -fsS -b "$work/jar" -o /dev/null "$base$1"
  for _ in $(seq 1 "$runs"); do
    curl -fsS -b "$work/jar" -o /dev/null -w '%{time_total}\n' "$base$1"
  done | sort -n | awk '{ t[NR] = $1 * 1000 } END { printf "%8.1f %8.1f", t[int((NR + 1) / 2)], t[NR] }'
}

echo
echo "System Users report, $users users, $tokens tokens, $backend, release build ($runs runs each)"
printf '%-58s %8s %8s\n' "page (GET, server-rendered HTML)" "median" "worst"
for path in \
  "/admin" \
  "/admin/users" \
  "/admin/users?preset=active-tokens" \
  "/admin/users?preset=expiring" \
  "/admin/users?preset=expiring-30" \
  "/admin/users?preset=never-expiring" \
  "/admin/users?preset=never-used" \
  "/admin/users?preset=unused-90" \
  "/admin/users?preset=expired" \
  "/admin/users?preset=inactive-users" \
  "/admin/users?q=grafana&status=active" \
  "/admin/users?preset=active-tokens&from=2026-12-01&to=2027-03-31" \
  "/admin/users?sort=active-tokens&dir=desc" \
  "/admin/users?preset=active-tokens&sort=expires" \
  "/admin/users?per=100&page=100" ; do
  printf '%-58s %s ms\n' "$path" "$(measure "$path")"
done

rss() { awk '/^VmRSS/ { print $2 }' "/proc/$pid/status"; }
before=$(rss)
peak=$before
curl -fsS -b "$work/jar" -o "$work/export.csv" -w '%{time_total}\n' "$base/admin/users.csv" >"$work/export.time" &
curl_pid=$!
while kill -0 "$curl_pid" 2>/dev/null; do
  now=$(rss); [ "$now" -gt "$peak" ] && peak=$now
  sleep 0.02
done
wait "$curl_pid"
echo
printf 'CSV export of every row: %s lines, %s bytes in %.0f ms\n' \
  "$(wc -l <"$work/export.csv")" "$(stat -c %s "$work/export.csv")" "$(awk '{ print $1 * 1000 }' "$work/export.time")"
printf 'Server memory: %d KiB before the export, %d KiB at most during it\n' "$before" "$peak"
