#!/usr/bin/env bash
# Memory the server touches per request: instructions, and reads that miss the first-level
# data cache (D1) and a 1 MiB last level (LL, the size of one core's L2 here), counted by
# callgrind's cache simulation over a few thousand requests with 2,000 distinct valid tokens.
# With that many tokens a check's memory is rarely still in the core's cache, so each
# separate block it reads is a miss: the figure that locality changes move.
#
# wrk's ratios (bench/validation.sh) move by more than such a change is worth on this shared
# machine; these counts repeat to within a few percent. The simulation sees one cache for all
# threads, so it counts misses from the working set, not lines moving between cores.
#
#   bench/cache-misses.sh                              # the release build at target/release
#   BENCH_BINARY=/tmp/tessera-old bench/cache-misses.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin=${BENCH_BINARY:-$root/target/release/tessera}
tokens=2000
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
command -v wrk >/dev/null || { echo "wrk is needed (apt-get install wrk)" >&2; exit 1; }

# shellcheck source=bench/one-server.sh
source "$here/one-server.sh"
seed_valid_tokens 300 9000 "$tokens"

port=$(free_port)
base="http://127.0.0.1:$port"
run() { # path, token file, seconds: prints the requests sent
  BENCH_TOKENS="$2" wrk -t1 -c4 -d"$3"s -s "$here/requests.lua" "$base$1" | awk '/^RESULT/ {print $5}'
}

printf '%-8s %14s %12s %12s   (callgrind --cache-sim, %s tokens)\n' route instr/request 'D1 misses' 'LL misses' "$tokens"
for route in /healthz /api/v1/auth /api/v1/me; do
  token_file=$work/valid.txt warm=20
  [ "$route" = /healthz ] && token_file="" warm=3
  TESSERA_ADDR="127.0.0.1:$port" TESSERA_AUTH_FAILURES_PER_MINUTE=0 RUST_LOG="warn,sqlx::query=debug" \
    valgrind --tool=callgrind --cache-sim=yes --LL=1048576,16,64 \
    --callgrind-out-file="$work/callgrind.out" "$bin" serve >/dev/null 2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  # Every token's first lookup (a query each, slow under valgrind) before counting; the
  # count itself must end before the first entries are renewed, 30 s after they were made.
  run "$route" "$token_file" "$warm" >/dev/null
  before=$(grep -c 'sqlx::query' "$work/server.log" || true)
  callgrind_control -z "$server_pid" >/dev/null 2>&1
  requests=$(run "$route" "$token_file" 8)
  callgrind_control -d "$server_pid" >/dev/null 2>&1
  queries=$(( $(grep -c 'sqlx::query' "$work/server.log" || true) - before ))
  dump=$(ls -t "$work"/callgrind.out.* | head -1)
  # Ir Dr Dw I1mr D1mr D1mw ILmr DLmr DLmw
  read -r ir _ _ _ d1mr _ _ dlmr _ < <(callgrind_annotate "$dump" 2>/dev/null |
    grep 'PROGRAM TOTALS' | sed 's/([^)]*)//g; s/,//g')
  printf '%-8s %14d %12.1f %12.2f' "${route##*/}" $(( ir / requests )) \
    "$(awk -v m="$d1mr" -v n="$requests" 'BEGIN { print m / n }')" \
    "$(awk -v m="$dlmr" -v n="$requests" 'BEGIN { print m / n }')"
  [ "$queries" = 0 ] && echo || echo "   ($queries queries while counting: not a steady state)"
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  server_pid=""
  rm -f "$work"/callgrind.out*
done
