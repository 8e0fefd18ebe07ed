#!/usr/bin/env bash
# The token-validation benchmark: builds the release server, seeds 100,000 tokens, and
# drives the server with wrk at 1, 16 and 64 connections. Prints requests/s, p50 and p99
# latency, the ratio to the unauthenticated /healthz ceiling, and how many database queries
# each scenario caused (counted from sqlx's own query log); then the instructions the server
# spends per request (callgrind; BENCH_INSTRUCTIONS=0 skips it), and the web bundle's size.
#
#   bench/validation.sh                     # 10 s per measurement
#   BENCH_SECONDS=30 bench/validation.sh    # longer, steadier numbers
#   BENCH_SKIP_BUILD=1 bench/validation.sh  # again, without rebuilding
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
seconds=${BENCH_SECONDS:-10}
connections=${BENCH_CONNECTIONS:-"1 16 64"}
sudo=$([ "$(id -u)" = 0 ] || echo sudo)

command -v wrk >/dev/null || { $sudo apt-get update && $sudo apt-get install -y wrk; }
# BENCH_SKIP_BUILD=1 measures the binary already built, for repeated runs.
[ -n "${BENCH_SKIP_BUILD:-}" ] || make -C "$root" build >/dev/null
bin="$root/target/release/tessera"

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "Seeding (100,000 tokens)…"
export DATABASE_URL="sqlite://$work/bench.db"
printf 'bench-password-123\n' | "$bin" user add bench >/dev/null
"$bin" demo seed --users 1000 --tokens 100000
for i in $(seq 1 64); do
  "$bin" token add bench --label "bench $i" --expires never --permission profile:read 2>/dev/null
done >"$work/valid.txt"
# Well-formed tokens (right prefix, alphabet and checksum) that exist in no database here.
printf 'bench-password-123\n' | DATABASE_URL="sqlite://$work/elsewhere.db" "$bin" user add other >/dev/null
for i in $(seq 1 16); do
  DATABASE_URL="sqlite://$work/elsewhere.db" "$bin" token add other --label "other $i" --permission profile:read 2>/dev/null
done >"$work/unknown.txt"
# Valid tokens with their last (checksum) character changed.
head -16 "$work/valid.txt" | while read -r token; do
  last=${token: -1}
  [ "$last" = A ] && printf '%sB\n' "${token%?}" || printf '%sA\n' "${token%?}"
done >"$work/bad-checksum.txt"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
# The failure limit is off so the refusal paths are measured, not the 429 that would soon
# replace them; sqlx logs each query it sends at debug level, which is what is counted.
TESSERA_ADDR="127.0.0.1:$port" TESSERA_AUTH_FAILURES_PER_MINUTE=0 \
  RUST_LOG="warn,sqlx::query=debug" "$bin" serve >/dev/null 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

# Token lookups are the queries on secret_hash; last-use writes are the minute's batch.
lookups() { grep 'sqlx::query' "$work/server.log" | grep -c 'secret_hash = \$1' || true; }
queries() { grep -c 'sqlx::query' "$work/server.log" || true; }

# name, path, token file (empty for none)
scenarios=(
  "healthz|/healthz|"
  "me (valid)|/api/v1/me|$work/valid.txt"
  "auth (valid)|/api/v1/auth|$work/valid.txt"
  "unknown token|/api/v1/auth|$work/unknown.txt"
  "bad checksum|/api/v1/auth|$work/bad-checksum.txt"
)

run() { # path, token file, connections, seconds
  local threads=$(( $3 < 2 ? 1 : 2 ))
  BENCH_TOKENS="$2" wrk -t"$threads" -c"$3" -d"$4"s --latency -s "$here/requests.lua" "$base$1" \
    | awk '/^RESULT/ {print $2, $3, $4, $5, $6}'
}

# Every token is looked up once before measuring: the first sight of a token is one query,
# by design, and is counted here rather than in the table.
before=$(lookups)
for scenario in "${scenarios[@]}"; do
  IFS='|' read -r _ path tokens <<<"$scenario"
  run "$path" "$tokens" 16 2 >/dev/null
done
warmup=$(( $(lookups) - before ))

printf '\n%-15s %5s %10s %9s %9s %6s %15s %8s %8s\n' scenario conns 'req/s' 'p50 ms' 'p99 ms' ratio 'refused' lookups 'queries'
for c in $connections; do
  ceiling=""
  for scenario in "${scenarios[@]}"; do
    IFS='|' read -r name path tokens <<<"$scenario"
    before=$(queries)
    before_lookups=$(lookups)
    read -r rps p50 p99 total refused < <(run "$path" "$tokens" "$c" "$seconds")
    used=$(( $(queries) - before ))
    looked_up=$(( $(lookups) - before_lookups ))
    [ -z "$ceiling" ] && ceiling=$rps
    ratio=$(awk -v a="$rps" -v b="$ceiling" 'BEGIN { printf "%.2f", a / b }')
    printf '%-15s %5s %10s %9s %9s %6s %15s %8s %8s\n' "$name" "$c" "$rps" "$p50" "$p99" "$ratio" "$refused/$total" "$looked_up" "$used"
  done
done
echo
echo "lookups: token lookups that reached the database; queries: every query sqlx sent,"
echo "including the last-use batch (one transaction a minute, one UPDATE per token used)."
echo "Warm-up before the table (each token's first lookup): $warmup lookups."

# wrk's figures move by 10–20% between runs on a shared 2-core machine. Instructions per
# request, counted by callgrind over a few thousand requests, repeat to within a percent:
# they show what the server itself spends on each kind of request.
if [ "${BENCH_INSTRUCTIONS:-1}" != 0 ] && command -v valgrind >/dev/null; then
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  TESSERA_ADDR="127.0.0.1:$port" TESSERA_AUTH_FAILURES_PER_MINUTE=0 RUST_LOG=warn \
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$bin" serve \
    >/dev/null 2>"$work/valgrind.log" &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  printf '\n%-15s %14s %6s   (callgrind, server only, %s s of wrk -c4 per row)\n' scenario 'instr/request' ratio 5
  ceiling=""
  for scenario in "${scenarios[@]}"; do
    IFS='|' read -r name path tokens <<<"$scenario"
    run "$path" "$tokens" 4 2 >/dev/null
    callgrind_control -z "$server_pid" >/dev/null 2>&1
    read -r _ _ _ total _ < <(run "$path" "$tokens" 4 5)
    callgrind_control -d "$server_pid" >/dev/null 2>&1
    dump=$(ls -t "$work"/callgrind.out.* | head -1)
    instructions=$(callgrind_annotate "$dump" 2>/dev/null | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
    per=$(( instructions / total ))
    [ -z "$ceiling" ] && ceiling=$per
    printf '%-15s %14s %6s\n' "$name" "$per" "$(awk -v a="$ceiling" -v b="$per" 'BEGIN { printf "%.2f", a / b }')"
  done
  echo "ratio: the ceiling's instructions over the row's. valgrind hides the CPU's SHA"
  echo "extensions, so the rows that hash a token count a software SHA-256 (about 3,500)."
fi

gz() { cat "$@" | gzip -9 | wc -c; }
pkg="$root/target/site/pkg"
# What every first page load downloads: the main wasm, its JS glue and the split loader.
# Each page then fetches its own chunks (make build passes --split).
first=$(gz "$pkg/tessera.wasm")
glue=$(gz "$pkg/tessera.js" "$pkg"/__wasm_split*.js)
all=0
for file in "$pkg"/*.wasm "$pkg"/*.js; do all=$(( all + $(gz "$file") )); done
printf '\nRelease bundle (gzip -9): first load wasm %s B + js %s B = %s B (target: <= 256000 B); all files %s B\n' \
  "$first" "$glue" "$(( first + glue ))" "$all"
