#!/usr/bin/env bash
# Three release instances on one throwaway PostgreSQL, as behind a load balancer.
#  1. Over EXPIRIES expiries (default 1,000), how long after the expiring request answered
#     the other two instances refuse the token: p50, p99 and max (bench/expiry-latency.py).
#     Targets: p99 under 50 ms, and no check accepting the token after the answer.
#  2. /api/v1/auth throughput through all three at once: wrk on each instance for SECONDS
#     (default 10) with 1,000 distinct valid tokens.
# Usage: bench/multi-instance.sh   (builds the release server first if it is missing)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
# A cluster of its own, for the script's lifetime.
[ -n "${TESSERA_TEST_POSTGRES_URL:-}" ] || exec "$root/server/tests/with-postgres.sh" "$0" "$@"

expiries=${EXPIRIES:-1000}
seconds=${SECONDS_OF_LOAD:-10}
bin="$root/target/release/tessera"
[ -x "$bin" ] || make -C "$root" build
sudo=$([ "$(id -u)" = 0 ] || echo sudo)
command -v wrk >/dev/null || { $sudo apt-get update && $sudo apt-get install -y wrk; }

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export DATABASE_URL=$TESSERA_TEST_POSTGRES_URL RUST_LOG=warn

"$bin" migrate >/dev/null
printf 'bench-password-%s\n' "$RANDOM$RANDOM" | "$bin" user add bench >/dev/null
manager=$("$bin" token add bench --label manager --expires never \
  --permission tokens:write --permission profile:read | tail -1)
"$bin" demo seed --users 100 --tokens 4000 --write-tokens "$work/seeded.txt" >/dev/null
head -1000 "$work/seeded.txt" >"$work/valid.txt"

urls=()
for n in 1 2 3; do
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  # The failure limit is off: the expiry rounds check refused tokens many times a second.
  TESSERA_ADDR="127.0.0.1:$port" TESSERA_AUTH_FAILURES_PER_MINUTE=0 RUST_LOG=warn \
    "$bin" serve >"$work/instance-$n.log" 2>&1 &
  pids+=($!)
  urls+=("http://127.0.0.1:$port")
done
for url in "${urls[@]}"; do
  for _ in $(seq 1 100); do curl -fsS "$url/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
done

echo "Three instances on one PostgreSQL; $expiries expiries, each through one instance in turn:"
python3 "$here/expiry-latency.py" "$expiries" "$manager" "${urls[@]}"

echo
echo "/api/v1/auth through all three at once (wrk, 16 connections each, $seconds s, 1,000 tokens):"
for url in "${urls[@]}"; do
  BENCH_TOKENS="$work/valid.txt" wrk -t1 -c16 -d5s -s "$here/requests.lua" "$url/api/v1/auth" >/dev/null
done
loads=()
for n in 0 1 2; do
  BENCH_TOKENS="$work/valid.txt" wrk -t1 -c16 -d"$seconds"s --latency -s "$here/requests.lua" \
    "${urls[$n]}/api/v1/auth" >"$work/wrk-$n.txt" &
  loads+=($!)
done
wait "${loads[@]}"
awk '/^RESULT/ { n++; total += $2; printf "  instance %d: %8.0f req/s  p50 %.3f ms  p99 %.3f ms  non-2xx %d\n", n, $2, $3, $4, $6 }
     END { printf "  all three:  %8.0f req/s\n", total }' "$work"/wrk-*.txt
