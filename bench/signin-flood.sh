#!/usr/bin/env bash
# A flood of bad sign-ins, and what it does to the server. BENCH_CONNECTIONS connections
# (1,000 by default) post a wrong password for an existing user to the sign-in call for
# BENCH_SECONDS seconds. Meanwhile one client checks a valid token at /api/v1/auth ten times
# a second. The script prints the server's resident memory and threads at their highest,
# and the check's latency before and during the flood.
#
#   bench/signin-flood.sh                                   # target/release/tessera
#   BENCH_BINARY=/tmp/tessera-old bench/signin-flood.sh     # another build
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin=${BENCH_BINARY:-$root/target/release/tessera}
[ -x "$bin" ] || make -C "$root" build >/dev/null
connections=${BENCH_CONNECTIONS:-1000}
seconds=${BENCH_SECONDS:-20}
sudo=$([ "$(id -u)" = 0 ] || echo sudo)
command -v wrk >/dev/null || { $sudo apt-get update && $sudo apt-get install -y wrk; }
# Every connection is a file descriptor, in wrk and in the server.
ulimit -n $(( connections * 2 + 256 ))

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT

export DATABASE_URL="sqlite://$work/flood.db"
"$bin" migrate >/dev/null
echo 'the right password' | "$bin" user add alice >/dev/null
token=$("$bin" token add alice --label probe --expires 30 --permission profile:read 2>/dev/null | grep -o 'tsr1[A-Za-z0-9]*')

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
TESSERA_ADDR="127.0.0.1:$port" RUST_LOG=error "$bin" serve >/dev/null 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done

probe() { # how many checks; their latencies in seconds, one a line
  for _ in $(seq 1 "$1"); do
    curl -s -o /dev/null -w '%{time_total}\n' -H "Authorization: Bearer $token" "$base/api/v1/auth"
    sleep 0.1
  done
}
sample() { # the server's VmRSS (kB) and thread count, four times a second
  while kill -0 "$server_pid" 2>/dev/null; do
    awk '/^VmRSS|^Threads/ {printf "%s ", $2} END {print ""}' "/proc/$server_pid/status" 2>/dev/null || true
    sleep 0.25
  done
}
stats() { # label, file of latencies
  python3 - "$1" "$2" <<'PY'
import statistics, sys
values = sorted(float(v) * 1000 for v in open(sys.argv[2]) if v.strip())
p95 = values[int(len(values) * 0.95) - 1]
print(f"{sys.argv[1]:>18}: /api/v1/auth median {statistics.median(values):.1f} ms, "
      f"p95 {p95:.1f} ms, max {values[-1]:.1f} ms ({len(values)} checks)")
PY
}

cat >"$work/flood.lua" <<'LUA'
wrk.method = "POST"
wrk.body = "username=alice&password=not+the+password"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
LUA

probe 30 >"$work/before.txt"
sample >"$work/samples.txt" &
sampler=$!
probe $(( seconds * 10 )) >"$work/during.txt" &
prober=$!
wrk -t2 -c"$connections" -d"${seconds}s" --timeout 30s -s "$work/flood.lua" "$base/rpc/login" >"$work/wrk.txt" 2>&1 || true
wait "$prober"
kill "$sampler" 2>/dev/null || true

echo "Binary: $bin; $connections connections for ${seconds} s."
stats "before the flood" "$work/before.txt"
stats "during the flood" "$work/during.txt"
awk 'NF == 2 { if ($1 > rss) rss = $1; if ($2 > threads) threads = $2 }
     END { printf "%18s: %.0f MB resident, %d threads\n", "server at its peak", rss / 1024, threads }' "$work/samples.txt"
grep -E 'Requests/sec|requests in|Non-2xx' "$work/wrk.txt" | sed 's/^ */               wrk: /'
