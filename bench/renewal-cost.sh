#!/usr/bin/env bash
# What renewing a cached token costs the server, in CPU time per token. A cached token in use
# is asked again in the background from 30–45 s after its lookup on; with thousands of
# tokens in use that is a steady load beside the checks, which wrk's ratios show only as noise.
#
# One client sends each of 3,000 valid tokens once, in turn, on one connection: a first pass
# (every token looked up), a second (every token cached), and, about 46 s after the first, a
# third, in which every token is due for renewal; then it waits for the renewals to finish. The
# server's CPU time (its threads' run time, from /proc) of the third pass less that of the
# second is the renewals' cost.
#
#   bench/renewal-cost.sh                              # the release build at target/release
#   BENCH_BINARY=/tmp/tessera-old bench/renewal-cost.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin=${BENCH_BINARY:-$root/target/release/tessera}
tokens=3000

# shellcheck source=bench/one-server.sh
source "$here/one-server.sh"
seed_valid_tokens 300 15000 "$tokens"

port=$(free_port)
TESSERA_ADDR="127.0.0.1:$port" TESSERA_AUTH_FAILURES_PER_MINUTE=0 \
  RUST_LOG="warn,tessera::db::bearer_cache=debug" "$bin" serve >/dev/null 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

# Nanoseconds the server's threads have run (each thread's schedstat; exited ones are gone,
# but the server's threads live as long as it does).
ticks() { cat /proc/"$server_pid"/task/*/schedstat | awk '{ n += $1 } END { printf "%d", n }'; }
# Those of the threads sqlx runs SQLite on: in the third pass, nothing but renewals queries.
database_ticks() {
  local n=0 task
  for task in /proc/"$server_pid"/task/*; do
    if grep -q '^sqlx-sqlite' "$task/comm" 2>/dev/null; then
      n=$(( n + $(cut -d' ' -f1 "$task/schedstat") ))
    fi
  done
  echo "$n"
}
pass() {
  python3 - "$port" "$work/valid.txt" <<'PY'
import http.client, sys
connection = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for token in open(sys.argv[2]).read().split():
    connection.request("GET", "/api/v1/auth", headers={"Authorization": "Bearer " + token})
    response = connection.getresponse()
    response.read()
    assert response.status == 200, response.status
PY
}

# A token falls due between 30 and 45 s after its lookup (by its hash) and is stale at
# 60 s: the third pass starts when the first pass's last token is due, and so every token,
# and ends well before the first one is stale, as long as the first pass is quick.
start=$(date +%s.%N)
a=$(ticks); pass; first_done=$(date +%s.%N); b=$(ticks); pass; c=$(ticks)
python3 -c "import sys; sys.exit(f'first pass too slow: {$first_done - $start:.1f} s' if $first_done - $start > 5 else 0)"
sleep "$(python3 -c "print(max(0, 45.6 - ($(date +%s.%N) - $first_done)))")"
d=$(ticks) database_before=$(database_ticks); pass
# The background renewals of the last tokens may still be running.
sleep 2
e=$(ticks) database_after=$(database_ticks)
renewed=$({ grep 'renewing cached tokens' "$work/server.log" || true; } |
  sed -n 's/.*tokens=\([0-9]*\).*/\1/p' | awk '{ n += $1 } END { print n + 0 }')
queries=$(grep -c 'renewing cached tokens' "$work/server.log" || true)
micros() { awk -v t="$1" -v n="$tokens" 'BEGIN { printf "%.1f", t / 1e3 / n }'; }
echo "server CPU per token, $tokens tokens, one pass each:"
echo "  first sight (a lookup each):      $(micros $(( b - a ))) µs"
echo "  cached:                           $(micros $(( c - b ))) µs"
echo "  due for renewal:                  $(micros $(( e - d ))) µs"
echo "  a renewal, beyond a cached check: $(micros $(( e - d - (c - b) ))) µs"
echo "    of which on the database's thread: $(micros $(( database_after - database_before ))) µs"
echo "(A pass's own cost moves by a fifth between passes on a shared virtual machine; the"
echo "database thread's share is exact.)"
echo "renewed: $renewed tokens in $queries background queries"
