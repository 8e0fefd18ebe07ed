#!/usr/bin/env bash
# Runs the Playwright suite against the release build on a fresh database and a free port,
# and stops the server afterwards whatever happens. Extra arguments go to `playwright test`.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
bin="$root/target/release/tessera"
[ -x "$bin" ] || { echo "run.sh: $bin is missing; run 'make build' first" >&2; exit 1; }

work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

port=$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export DATABASE_URL="sqlite://$work/tessera.db"
export TESSERA_ADDR="127.0.0.1:$port"
export TESSERA_SITE_ROOT="$root/target/site"
export BASE_URL="http://127.0.0.1:$port"
# Playwright speaks for other networks with X-Forwarded-For, as a gateway on this host would.
export TESSERA_TRUSTED_PROXIES="127.0.0.1,::1"
export E2E_ADMIN_PASSWORD="admin-$RANDOM-$RANDOM-pw"
export E2E_USER_PASSWORD="alice-$RANDOM-$RANDOM-pw"

printf '%s\n' "$E2E_ADMIN_PASSWORD" | "$bin" user add admin --admin --display-name "Ada Admin"
printf '%s\n' "$E2E_USER_PASSWORD" | "$bin" user add alice --display-name "Alice Example" --email alice@example.com
printf '%s\n' "$E2E_USER_PASSWORD" | "$bin" user add bruno --display-name "Bruno Example" --email bruno@example.com
# Only sessions.spec.ts signs in as dana, so her Recent Authentications hold just its sessions.
printf '%s\n' "$E2E_USER_PASSWORD" | "$bin" user add dana --display-name "Dana Example" --email dana@example.com
# Only passwords.spec.ts signs in as erin and frank: it changes and resets their passwords.
printf '%s\n' "$E2E_USER_PASSWORD" | "$bin" user add erin --display-name "Erin Example" --email erin@example.com
printf '%s\n' "$E2E_USER_PASSWORD" | "$bin" user add frank --display-name "Frank Example" --email frank@example.com
# Only two-factor.spec.ts signs in as gina: it turns two-factor on for her.
printf '%s\n' "$E2E_USER_PASSWORD" | "$bin" user add gina --display-name "Gina Example" --email gina@example.com
# Only times.spec.ts signs in as hana, and only no-javascript.spec.ts as ivan: report.spec.ts
# deactivates bruno while they might run.
printf '%s\n' "$E2E_USER_PASSWORD" | "$bin" user add hana --display-name "Hana Example" --email hana@example.com
printf '%s\n' "$E2E_USER_PASSWORD" | "$bin" user add ivan --display-name "Ivan Example" --email ivan@example.com
# Only keyboard.spec.ts signs in as kim: it deactivates her other session.
printf '%s\n' "$E2E_USER_PASSWORD" | "$bin" user add kim --display-name "Kim Example" --email kim@example.com
# Only audit-log.spec.ts signs in as omar: it counts his token's events.
printf '%s\n' "$E2E_USER_PASSWORD" | "$bin" user add omar --display-name "Omar Example" --email omar@example.com
# Only security-unused.spec.ts signs in as lena. Her one token is made 120 days old and never
# used, for the unused-token policy to catch; its secret is the spec's to try.
printf '%s\n' "$E2E_USER_PASSWORD" | "$bin" user add lena --display-name "Lena Example" --email lena@example.com
E2E_STALE_TOKEN=$("$bin" token add lena --label "old laptop" --expires never --permission profile:read)
export E2E_STALE_TOKEN
sqlite3 "$work/tessera.db" "UPDATE access_tokens SET created_at = created_at - 120 * 86400
  WHERE user_id = (SELECT id FROM users WHERE username = 'lena')"

# JSON logs at debug level, so that the check after the run reads the most the server says.
export E2E_SECRETS_FILE="$work/secrets.txt"
: >"$E2E_SECRETS_FILE"
TESSERA_LOG_FORMAT=json RUST_LOG="debug,sqlx=info,hyper=info,hyper_util=info,h2=info,tower=info" \
  "$bin" serve >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$BASE_URL/healthz" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done

cd "$here"
status=0
npx playwright test "$@" || status=$?
if [ "$status" -ne 0 ]; then
  echo "---- server log ----"
  cat "$work/server.log"
fi

# No secret of the run may be in the server's log: the passwords, and every token, invitation
# and reset secret the browser was sent (collected by tests/fixtures.ts).
printf '%s\n' "$E2E_ADMIN_PASSWORD" "$E2E_USER_PASSWORD" "$E2E_STALE_TOKEN" >>"$E2E_SECRETS_FILE"
secrets=$(sort -u "$E2E_SECRETS_FILE" | grep -c . || true)
if leaked=$(grep -F -f <(sort -u "$E2E_SECRETS_FILE" | grep .) "$work/server.log"); then
  echo "run.sh: the server logged secrets of the run:" >&2
  echo "$leaked" >&2
  status=1
else
  echo "run.sh: none of the run's $secrets secrets is in the server's $(wc -l <"$work/server.log") log lines"
fi
exit "$status"
