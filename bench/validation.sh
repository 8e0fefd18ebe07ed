#!/usr/bin/env bash
# The token-validation benchmark: builds the release server, seeds 100,000 tokens, and
# drives the server with wrk at 1, 16 and 64 connections. Prints requests/s, p50 and p99
# latency, the ratio to the unauthenticated /healthz ceiling, and how many database queries
# each scenario caused (counted from sqlx's own query log); then the instructions the server
# spends per request (callgrind; BENCH_INSTRUCTIONS=0 skips it), the web bundle's size, and
# which of the issue's targets held.
#
# wrk shares the machine with the server, and a virtual machine shares its host, so the
# speed of both drifts by 20% and more within a minute. Ratios are therefore taken between
# neighbours: every scenario runs between two runs of /healthz, and its ratio is its req/s
# over the mean of those two. Each connection count is measured in several rounds and each
# row shows the median round. The same method is then applied to bench/calibration, a bare
# axum app whose /check does a SHA-256 and a HashMap lookup (the least a token check can cost
# on the machine at hand) and whose /spin/N keeps the server's core busy for N ns, which
# prices extra work on the machine at hand.
#
#   bench/validation.sh                     # 5 rounds of 2 s per run
#   BENCH_ROUNDS=9 BENCH_SECONDS=4 bench/validation.sh    # longer, steadier numbers
#   BENCH_SKIP_BUILD=1 bench/validation.sh  # again, without rebuilding
#   BENCH_BINARY=/tmp/tessera-old BENCH_SKIP_BUILD=1 bench/validation.sh  # another build
#   BENCH_SHARED=1 bench/validation.sh      # wrk and the server share every core
#   BENCH_REQUEST_LOG=off bench/validation.sh  # without the log line per request
#
# wrk and the server each get half of the cores (taskset), as if they ran on two machines:
# the server is measured, not the scheduler. Sharing them on two cores, four busy threads
# (two of wrk's, two of the server's) take turns, and a thread woken while the others run
# waits for the next scheduler tick (this kernel: HZ=250, no preemption), 4 ms, which is then
# the p99 of every row, /healthz included.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
seconds=${BENCH_SECONDS:-2}
rounds=${BENCH_ROUNDS:-5}
connections=${BENCH_CONNECTIONS:-"1 16 64"}
sudo=$([ "$(id -u)" = 0 ] || echo sudo)

command -v wrk >/dev/null || { $sudo apt-get update && $sudo apt-get install -y wrk; }
# BENCH_SKIP_BUILD=1 measures the binary already built, for repeated runs.
[ -n "${BENCH_SKIP_BUILD:-}" ] || make -C "$root" build >/dev/null
bin=${BENCH_BINARY:-$root/target/release/tessera}

# The server's cores and wrk's: the first half and the second (tokio then runs a worker per
# core it may use).
cores=$(nproc)
if [ -n "${BENCH_SHARED:-}" ] || [ "$cores" -lt 2 ]; then
  on_server_cores=() on_client_cores=() client_threads=$cores
else
  half=$(( cores / 2 ))
  on_server_cores=(taskset -c "0-$(( half - 1 ))")
  on_client_cores=(taskset -c "$half-$(( cores - 1 ))")
  client_threads=$(( cores - half ))
fi

work=$(mktemp -d)
server_pid=""
calibration_pid=""
cleanup() {
  for pid in $server_pid $calibration_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

echo "Seeding (100,000 tokens)…"
export DATABASE_URL="sqlite://$work/bench.db"
"$bin" demo seed --users 1000 --tokens 100000 --write-tokens "$work/seeded.txt"
# 10,000 distinct valid tokens, all of them rows among the 100,000.
head -10000 "$work/seeded.txt" >"$work/valid.txt"
# Well-formed tokens (right prefix, alphabet and checksum) that exist in no database here.
DATABASE_URL="sqlite://$work/elsewhere.db" "$bin" demo seed --users 10 --tokens 2000 --seed 2 \
  --write-tokens "$work/unknown.txt" >/dev/null
# Valid tokens with their last (checksum) character changed.
head -1000 "$work/valid.txt" | while read -r token; do
  last=${token: -1}
  [ "$last" = A ] && printf '%sB\n' "${token%?}" || printf '%sA\n' "${token%?}"
done >"$work/bad-checksum.txt"
echo "Tokens sent: $(wc -l <"$work/valid.txt") valid, $(wc -l <"$work/unknown.txt") unknown, $(wc -l <"$work/bad-checksum.txt") with a bad checksum."

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
metrics_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
# The failure limit is off so the refusal paths are measured, not the 429 that would soon
# replace them; sqlx logs each query it sends at debug level, which is what is counted.
# Metrics are on and each request is logged, as in production; BENCH_REQUEST_LOG=off drops
# the request lines, to price them.
TESSERA_ADDR="127.0.0.1:$port" TESSERA_AUTH_FAILURES_PER_MINUTE=0 \
  TESSERA_METRICS_ADDR="127.0.0.1:$metrics_port" \
  RUST_LOG="warn,sqlx::query=debug,tessera::bearer::cache=debug,tessera::request=${BENCH_REQUEST_LOG:-info}" \
  "${on_server_cores[@]}" "$bin" serve \
  >/dev/null 2>"$work/server.log" &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

# Checks that waited for a database lookup, as the token cache logs them.
waited() { grep -c 'a check waits for a database lookup' "$work/server.log" || true; }
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
  local threads=$(( $3 < client_threads ? $3 : client_threads ))
  BENCH_TOKENS="$2" "${on_client_cores[@]}" wrk -t"$threads" -c"$3" -d"$4"s --latency \
    -s "$here/requests.lua" "$base$1" \
    | awk '/^RESULT/ {print $2, $3, $4, $5, $6}'
}

# Every token is looked up once before measuring: the first sight of a token is one query,
# by design, and is counted here rather than in the table. Each wrk thread sends its tokens
# in turn, so 5 s at 16 connections sends every one of them several times over.
before=$(waited)
for scenario in "${scenarios[@]}"; do
  IFS='|' read -r _ path tokens <<<"$scenario"
  run "$path" "$tokens" 16 5 >/dev/null
done
warmup=$(( $(waited) - before ))

if [ ${#on_server_cores[@]} -gt 0 ]; then
  arrangement="the server on cores ${on_server_cores[2]}, wrk on cores ${on_client_cores[2]} ($client_threads threads)"
else
  arrangement="the server and wrk ($client_threads threads) sharing all $cores cores"
fi
echo "Measuring: $rounds rounds of $seconds s per run at each of $connections connections, $arrangement…"
measure() { # results file, connections, round, scenario: appends one run's row
  local name path tokens before before_waited rps p50 p99 total refused
  IFS='|' read -r name path tokens <<<"$4"
  before=$(queries) before_waited=$(waited)
  read -r rps p50 p99 total refused < <(run "$path" "$tokens" "$2" "$seconds")
  printf '%s|%s|%s|%s|%s|%s|%s|%s|%s|%s\n' "$2" "$3" "$name" "$rps" "$p50" "$p99" \
    "$total" "$refused" "$(( $(waited) - before_waited ))" "$(( $(queries) - before ))" >>"$1"
}
measure_rounds() { # results file, then the scenarios with healthz first
  local out=$1 healthz=$2 c round scenario
  shift 2
  for c in $connections; do
    for round in $(seq 1 "$rounds"); do
      # Every scenario gets a ceiling measured just before it and one just after.
      measure "$out" "$c" "$round" "$healthz"
      for scenario in "$@"; do
        measure "$out" "$c" "$round" "$scenario"
        measure "$out" "$c" "$round" "$healthz"
      done
    done
  done
}
results="$work/results.txt"
measure_rounds "$results" "${scenarios[@]}"

# The table, and the issue's targets judged on it (each miss a line of $work/misses).
python3 "$here/summarize.py" "$results" "$work/misses"
cat <<EOF

Each row is the median of $rounds rounds (healthz: of all its runs); ratio: the median of
req/s over the mean of the healthz runs just before and just after.
waited: checks that waited for a database lookup, all rounds together (a cached token
never does). queries: every query sqlx sent, the minute's last-use batch and the change
listener's heartbeats included.
Warm-up before the table (each token's first lookup): $warmup lookups.
EOF

# The yardstick, by the same method: a bare axum /healthz and a /check that hashes the
# token and looks it up in a HashMap (BENCH_CALIBRATION=0 skips it).
if [ "${BENCH_CALIBRATION:-1}" != 0 ]; then
  cargo build --release --quiet --manifest-path "$here/calibration/Cargo.toml" \
    --target-dir "$root/target/calibration"
  calibration_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  "${on_server_cores[@]}" "$root/target/calibration/release/calibration" \
    "127.0.0.1:$calibration_port" "$work/valid.txt" &
  calibration_pid=$!
  tessera_base=$base base="http://127.0.0.1:$calibration_port"
  for _ in $(seq 1 100); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  measure_rounds "$work/calibration.txt" "healthz|/healthz|" "check (bare)|/check|$work/valid.txt" \
    "check + body|/check/json|$work/valid.txt" "spin 500 ns|/spin/500|" "spin 1000 ns|/spin/1000|"
  kill "$calibration_pid"; wait "$calibration_pid" 2>/dev/null || true
  calibration_pid="" base=$tessera_base
  echo
  echo "Calibration: bench/calibration, a bare axum app, measured the same way; check + body"
  echo "answers a check with a JSON body the size of /me's (230 B); the spin rows answer like"
  echo "its /healthz after that much busy CPU time, the price of extra work here"
  python3 "$here/summarize.py" "$work/calibration.txt" /dev/null --calibration
fi

# wrk's figures move by 10–20% between runs on a shared 2-core machine. Instructions per
# request, counted by callgrind over a few thousand requests, repeat to within a percent:
# they show what the server itself spends on each kind of request.
if [ "${BENCH_INSTRUCTIONS:-1}" != 0 ] && command -v valgrind >/dev/null; then
  kill "$server_pid"; wait "$server_pid" 2>/dev/null || true
  TESSERA_ADDR="127.0.0.1:$port" TESSERA_AUTH_FAILURES_PER_MINUTE=0 \
    TESSERA_METRICS_ADDR="127.0.0.1:$metrics_port" RUST_LOG="warn,tessera::request=${BENCH_REQUEST_LOG:-info}" \
    valgrind --tool=callgrind --callgrind-out-file="$work/callgrind.out" "$bin" serve \
    >/dev/null 2>"$work/valgrind.log" &
  server_pid=$!
  for _ in $(seq 1 300); do
    curl -fsS "$base/healthz" >/dev/null 2>&1 && break
    sleep 0.2
  done
  printf '\n%-15s %14s %6s   (callgrind, server only, %s s of wrk -c4 per row)\n' scenario 'instr/request' ratio 5
  # Under valgrind the server runs some fifty times slower while the clock does not, so the
  # minute's last-use batch and the first sight of 10,000 tokens would land on a few
  # thousand requests: the hot path is counted with 64 of each kind.
  ceiling=""
  for scenario in "${scenarios[@]}"; do
    IFS='|' read -r name path tokens <<<"$scenario"
    if [ -n "$tokens" ]; then
      head -64 "$tokens" >"$tokens.64"
      tokens="$tokens.64"
    fi
    run "$path" "$tokens" 4 3 >/dev/null
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
# make build names them by their content (tessera.<hash>.wasm), a dev build does not.
first=$(gz "$(ls "$pkg"/tessera*.wasm | head -1)")
glue=$(gz "$(ls "$pkg"/tessera*.js | head -1)" "$pkg"/__wasm_split*.js)
all=0
for file in "$pkg"/*.wasm "$pkg"/*.js; do all=$(( all + $(gz "$file") )); done
printf '\nRelease bundle (gzip -9): first load wasm %s B + js %s B = %s B; all files %s B\n' \
  "$first" "$glue" "$(( first + glue ))" "$all"
[ $(( first + glue )) -le 250000 ] ||
  echo "first-load bundle at most 250,000 B: $(( first + glue )) B" >>"$work/misses"

echo
if [ -s "$work/misses" ]; then
  echo "Targets missed:"
  sed 's/^/  /' "$work/misses"
else
  echo "Every target held."
fi
