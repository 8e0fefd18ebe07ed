#!/usr/bin/env bash
# What a token check costs through nginx, accepted and refused: Tessera behind Debian's nginx
# configured as docs/gateway.md says (an `upstream` with `keepalive`, `auth_request` to an
# internal location that proxies to /api/v1/auth over HTTP/1.1 with `Connection ""`), and a
# protected location nginx answers itself. wrk asks for it with valid tokens and with
# refused ones (well-formed, unknown here), in alternating runs, and the script prints for
# each run: requests/s, the CPU time (utime + stime from /proc/<pid>/stat) Tessera and nginx
# (master and worker) spent per request, and the TCP connections nginx opened to Tessera per
# request. CPU time per request holds still on a shared machine where requests/s do not;
# compare requests/s only as the ratio between neighbouring runs.
#
#   bench/gateway-refusals.sh                     # 5 rounds of 5 s per run, 16 connections
#   BENCH_ROUNDS=9 BENCH_SECONDS=10 bench/gateway-refusals.sh   # steadier
#   BENCH_SKIP_BUILD=1 bench/gateway-refusals.sh  # the binary already built
#   BENCH_BINARY=/tmp/tessera-old BENCH_SKIP_BUILD=1 bench/gateway-refusals.sh  # another build
#   BENCH_CONNECTIONS=64 BENCH_KEEPALIVE=64 bench/gateway-refusals.sh  # wrk connections,
#                                                 # and the upstream's keepalive (32)
#
# Tessera runs with TESSERA_AUTH_FAILURES_PER_MINUTE=0: the failure limit would otherwise
# turn a refused token into 429 after 30 a minute from the one address, and the refusal is
# what is measured. It logs as deployed (info), unless RUST_LOG says otherwise.
#
# Connections are counted by the kernel (Tcp PassiveOpens of /proc/net/snmp), so the whole
# benchmark runs in a network namespace of its own (unshare -n, as root or through sudo),
# where nothing else opens connections; the count less wrk's own connections to nginx (the
# client side keeps them for the whole run) is what nginx opened to Tessera. Without
# unshare the count is the machine's and includes whatever else runs on it.
#
# Tessera and nginx share the first core (taskset), wrk gets the second, as validation.sh
# arranges it. `location / { return 200; }` cannot stand for the application: `return` ends
# the request before the access phase, so auth_request would never ask Tessera; the
# protected location answers with `empty_gif` instead, a 43-byte answer from nginx itself.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
seconds=${BENCH_SECONDS:-5}
rounds=${BENCH_ROUNDS:-5}
connections=${BENCH_CONNECTIONS:-16}
keepalive=${BENCH_KEEPALIVE:-32}
nginx=/usr/sbin/nginx
sudo=$([ "$(id -u)" = 0 ] || echo sudo)

if [ -z "${BENCH_IN_NETNS:-}" ]; then
  command -v wrk >/dev/null || { $sudo apt-get update && $sudo apt-get install -y wrk; }
  [ -x "$nginx" ] || make -C "$root" nginx
  # BENCH_SKIP_BUILD=1 measures the binary already built, for repeated runs.
  [ -n "${BENCH_SKIP_BUILD:-}" ] || make -C "$root" build >/dev/null
  bin=${BENCH_BINARY:-$root/target/release/tessera}
  if $sudo unshare -n true 2>/dev/null; then
    exec $sudo unshare -n env BENCH_IN_NETNS=1 BENCH_BINARY="$bin" BENCH_SECONDS="$seconds" \
      BENCH_ROUNDS="$rounds" BENCH_CONNECTIONS="$connections" BENCH_KEEPALIVE="$keepalive" \
      ${RUST_LOG:+RUST_LOG="$RUST_LOG"} bash "$0" "$@"
  fi
  echo "unshare -n is not allowed here: connections are counted machine-wide." >&2
else
  ip link set lo up
  bin=$BENCH_BINARY
fi

if [ "$(nproc)" -ge 2 ]; then
  on_server_core=(taskset -c 0) on_client_core=(taskset -c 1)
else
  on_server_core=() on_client_core=()
fi

work=$(mktemp -d)
tessera_pid="" nginx_pid=""
cleanup() {
  for pid in $nginx_pid $tessera_pid; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

echo "Seeding…"
# Valid tokens: active ones holding profile:read, without whitelists that would refuse them.
DATABASE_URL="sqlite://$work/bench.db" "$bin" demo seed --users 200 --tokens 20000 \
  --write-tokens "$work/valid-all.txt" >/dev/null
head -4000 "$work/valid-all.txt" >"$work/valid.txt"
# Well-formed tokens (right prefix, alphabet and checksum) that exist in no database here.
DATABASE_URL="sqlite://$work/elsewhere.db" "$bin" demo seed --users 50 --tokens 8000 --seed 2 \
  --write-tokens "$work/unknown.txt" >/dev/null
echo "Tokens sent: $(wc -l <"$work/valid.txt") valid, $(wc -l <"$work/unknown.txt") unknown."

tessera_port=$(free_port)
DATABASE_URL="sqlite://$work/bench.db" TESSERA_ADDR="127.0.0.1:$tessera_port" \
  TESSERA_TRUSTED_PROXIES=127.0.0.1 TESSERA_AUTH_FAILURES_PER_MINUTE=0 \
  "${on_server_core[@]}" "$bin" serve >/dev/null 2>"$work/tessera.log" &
tessera_pid=$!

# docs/gateway.md's shape, reduced to the check: the application is nginx's own empty_gif.
# keepalive_requests on the client side only keeps wrk's connections for the whole run, so
# that the connections counted are nginx's to Tessera; the upstream keeps nginx's default
# (1,000 requests per connection).
nginx_port=$(free_port)
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<EOF
$([ "$(id -u)" = 0 ] && echo "user root;")
worker_processes 1;
daemon off;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $work/nginx/client_body;
    proxy_temp_path $work/nginx/proxy;
    fastcgi_temp_path $work/nginx/fastcgi;
    uwsgi_temp_path $work/nginx/uwsgi;
    scgi_temp_path $work/nginx/scgi;

    upstream tessera {
        server 127.0.0.1:$tessera_port;
        keepalive $keepalive;
    }

    server {
        listen 127.0.0.1:$nginx_port;
        keepalive_requests 100000000;

        auth_request     /_tessera/auth;
        auth_request_set \$tessera_user     \$upstream_http_x_tessera_user;
        auth_request_set \$tessera_token_id \$upstream_http_x_tessera_token_id;
        auth_request_set \$tessera_scopes   \$upstream_http_x_tessera_scopes;

        location / {
            empty_gif;
        }

        location = /_tessera/auth {
            internal;
            proxy_pass http://tessera/api/v1/auth;
            proxy_http_version 1.1;
            proxy_pass_request_body off;
            proxy_set_header Connection      "";
            proxy_set_header Content-Length  "";
            proxy_set_header X-Forwarded-For \$remote_addr;
            proxy_set_header X-Real-IP       \$remote_addr;
        }
    }
}
EOF
"${on_server_core[@]}" "$nginx" -p "$work/nginx" -e "$work/nginx/error.log" \
  -c "$work/nginx/nginx.conf" &
nginx_pid=$!

base="http://127.0.0.1:$nginx_port"
for _ in $(seq 1 100); do
  curl -sS -o /dev/null "http://127.0.0.1:$tessera_port/healthz" 2>/dev/null \
    && curl -sS -o /dev/null "$base/" 2>/dev/null && break
  sleep 0.1
done
status() { curl -sS -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "$base/"; }
challenge() { curl -sS -o /dev/null -D - -H "Authorization: Bearer $1" "$base/" | grep -i '^www-authenticate' | tr -d '\r'; }
valid_status=$(status "$(head -1 "$work/valid.txt")")
refused_status=$(status "$(head -1 "$work/unknown.txt")")
echo "Through nginx: a valid token gets $valid_status, an unknown one $refused_status with"
echo "  $(challenge "$(head -1 "$work/unknown.txt")")"
[ "$valid_status" = 200 ] && [ "$refused_status" = 401 ] || { cat "$work/nginx/error.log"; exit 1; }

ticks=$(getconf CLK_TCK)
cpu() { # clock ticks spent so far by the processes given
  local total=0 pid
  for pid in "$@"; do
    total=$(( total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}
nginx_pids() { echo "$nginx_pid" $(pgrep -P "$nginx_pid"); }
opened() { awk '/^Tcp:/ && ++n == 2 { print $7 }' /proc/net/snmp; } # PassiveOpens

run() { # token file: prints req/s requests non-2xx tessera-ticks nginx-ticks connections
  local before_t before_n before_c rps total refused
  before_t=$(cpu "$tessera_pid") before_n=$(cpu $(nginx_pids)) before_c=$(opened)
  read -r rps _ _ total refused < <(BENCH_TOKENS="$1" "${on_client_core[@]}" \
    wrk -t1 -c"$connections" -d"$seconds"s -s "$here/requests.lua" "$base/" \
    | awk '/^RESULT/ { print $2, $3, $4, $5, $6 }')
  echo "$rps $total $refused $(( $(cpu "$tessera_pid") - before_t )) \
    $(( $(cpu $(nginx_pids)) - before_n )) $(( $(opened) - before_c - connections ))"
}

# Every token is seen once before measuring (its first sight is a database lookup).
run "$work/valid.txt" >/dev/null
run "$work/unknown.txt" >/dev/null

echo "Measuring: $rounds rounds of $seconds s per run, wrk -c$connections, Tessera and nginx on core 0, wrk on core 1…"
printf '\n%-6s %-8s %9s %9s %12s %12s %12s %12s\n' round tokens 'req/s' 'not 2xx' \
  'tessera µs' 'nginx µs' 'both µs' 'conn/req'
results="$work/results.txt"
for round in $(seq 1 "$rounds"); do
  for kind in valid unknown; do
    read -r rps total refused tessera_ticks nginx_ticks conns < <(run "$work/$kind.txt")
    echo "$kind $rps $total $refused $tessera_ticks $nginx_ticks $conns" >>"$results"
    awk -v round="$round" -v kind="$kind" -v rps="$rps" -v total="$total" -v refused="$refused" \
      -v t="$tessera_ticks" -v n="$nginx_ticks" -v c="$conns" -v hz="$ticks" 'BEGIN {
        us = 1e6 / hz / total
        printf "%-6s %-8s %9.0f %9d %12.1f %12.1f %12.1f %12.3f\n",
          round, kind, rps, refused, t * us, n * us, (t + n) * us, c / total }'
  done
done

# Medians per kind, and refused over valid (CPU: of the medians; req/s: the median of each
# round's ratio, neighbours being comparable where absolute rates are not).
python3 - "$results" "$ticks" <<'EOF'
import statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
hz = int(sys.argv[2])
by = {"valid": [], "unknown": []}
for kind, rps, total, refused, t, n, c in rows:
    total = int(total)
    by[kind].append(dict(rps=float(rps), t=int(t) * 1e6 / hz / total,
                         n=int(n) * 1e6 / hz / total, c=int(c) / total))
med = {k: {f: statistics.median(r[f] for r in v) for f in ("rps", "t", "n", "c")}
       for k, v in by.items()}
ratios = [u["rps"] / v["rps"] for v, u in zip(by["valid"], by["unknown"])]
print("\nmedians     req/s  tessera µs  nginx µs  both µs  conn/req")
for kind in ("valid", "unknown"):
    m = med[kind]
    print(f"{kind:8} {m['rps']:8.0f} {m['t']:11.1f} {m['n']:9.1f} {m['t'] + m['n']:8.1f} {m['c']:9.3f}")
v, u = med["valid"], med["unknown"]
print(f"\nrefused / valid: req/s {statistics.median(ratios):.2f} (median of the rounds' ratios), "
      f"CPU per request: tessera {u['t'] / v['t']:.2f}, nginx {u['n'] / v['n']:.2f}, "
      f"both {(u['t'] + u['n']) / (v['t'] + v['n']):.2f}")
EOF
echo
echo "µs: CPU time (user + system) per request; conn/req: TCP connections nginx opened to"
echo "Tessera per request (1/1000 when each is kept for nginx's 1,000 requests)."
