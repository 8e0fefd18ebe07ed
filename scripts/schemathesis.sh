#!/usr/bin/env bash
# The API contract: schemathesis generates requests from /api/v1/openapi.json, sends them to
# a release server on a fresh database with tokens that hold every permission, and checks
# each answer against the document (`--checks all`). Any failure fails the script.
#
#   scripts/schemathesis.sh                       # what `make test` runs
#   TESSERA_BINARY=target/debug/tessera scripts/schemathesis.sh
#   scripts/schemathesis.sh --max-examples 20     # extra arguments go to `schemathesis run`
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${TESSERA_BINARY:-$root/target/release/tessera}
case $bin in /*) ;; *) bin=$PWD/$bin ;; esac
schemathesis=$root/.venv/bin/schemathesis
[ -x "$bin" ] || { echo "schemathesis.sh: $bin is missing; run 'make build' first" >&2; exit 1; }
[ -x "$schemathesis" ] || { echo "schemathesis.sh: run 'make schemathesis-tools' first" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
export DATABASE_URL="sqlite://$work/tessera.db"
export TESSERA_ADDR="127.0.0.1:$port"

printf '%s\n' "schemathesis-$RANDOM-$RANDOM-pw" | "$bin" user add admin --admin >/dev/null
# Something to list, report and audit; generated ids mostly name other people's tokens,
# which the API does not find.
"$bin" demo seed --users 20 --tokens 400 --sign-ins 1 >/dev/null

# scripts/schemathesis_hooks.py mints the calling tokens (`tessera token add` on this
# database), each with every permission, and a new one whenever a request has expired,
# rotated or deactivated the one before.
export TESSERA_BINARY=$bin TESSERA_BASE_URL=$base
TESSERA_PERMISSIONS=$(sqlite3 "$work/tessera.db" 'SELECT name FROM permissions ORDER BY name' | tr '\n' ' ')
export TESSERA_PERMISSIONS
export SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH=$root/scripts

"$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done

# Every phase (examples, coverage, fuzzing, stateful) at schemathesis's default of 100
# examples an operation: about 2,900 requests, a minute or so. `--seed 1` and no example
# database make each run the same as the last; schemathesis runs in the scratch folder, so
# its cache of failures goes with it (the `curl` line of a failure repeats it).
status=0
(
  cd "$work"
  "$schemathesis" run "$base/api/v1/openapi.json" \
    --checks all \
    --seed 1 \
    --generation-database none \
    --no-color \
    "$@"
) | tee "$work/schemathesis.out" || status=$?
if [ "$status" -ne 0 ]; then
  echo "---- server log (last 50 lines) ----"
  tail -50 "$work/server.log"
fi
# The line to look for in `make test`'s output.
cases=$(grep -E '^ +[0-9]+ generated' "$work/schemathesis.out" | xargs || true)
verdict=$(grep -E '^=+ .+ in [0-9.]+s =+$' "$work/schemathesis.out" | tail -1 | tr -d '=' | xargs || true)
echo "API contract: ${cases:-no cases}; ${verdict:-no verdict}"
exit "$status"
