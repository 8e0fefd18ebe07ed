#!/usr/bin/env bash
# Starts the release server on a fresh SQLite database with one user holding a few tokens,
# and runs bench/pageload.mjs RUNS times (default 3) against it in Debian's Chromium.
# Usage: bench/pageload.sh
#        BENCH_BINARY=/tmp/old/tessera BENCH_SITE=/tmp/old/site bench/pageload.sh  (another build)
set -euo pipefail
runs=${RUNS:-3}
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BENCH_BINARY:-$root/target/release/tessera}
site=${BENCH_SITE:-$root/target/site}
[ -x "$bin" ] || make -C "$root" build

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

export DATABASE_URL="sqlite://$work/pageload.db"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
password="pageload-$RANDOM-$RANDOM-pw"
"$bin" migrate >/dev/null
printf '%s\n' "$password" | "$bin" user add pageload --display-name "Page Load" >/dev/null
for label in deploy backup grafana; do
  "$bin" token add pageload --label "$label" --permission profile:read >/dev/null
done
TESSERA_ADDR="127.0.0.1:$port" TESSERA_SITE_ROOT="$site" RUST_LOG=warn "$bin" serve >"$work/server.log" 2>&1 &
pid=$!
for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break; sleep 0.1; done

for run in $(seq 1 "$runs"); do
  echo "run $run"
  BASE_URL="http://127.0.0.1:$port" PAGELOAD_USER=pageload PAGELOAD_PASSWORD="$password" \
    node "$root/bench/pageload.mjs"
done
