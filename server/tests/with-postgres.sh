#!/usr/bin/env bash
# Runs a command with a throwaway PostgreSQL cluster: created in a temporary folder, reachable
# only through a Unix socket there, removed afterwards. The command finds it through
# TESSERA_TEST_POSTGRES_URL. Usage: with-postgres.sh COMMAND [ARGS…]
set -euo pipefail

bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -x "$bin/initdb" ] || { echo "with-postgres.sh: PostgreSQL is not installed (apt-get install postgresql)" >&2; exit 1; }

dir=$(mktemp -d /tmp/tessera-pg.XXXXXX)
# PostgreSQL refuses to run as root; the Debian package provides the postgres user.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
[ "$(id -u)" = 0 ] && chown postgres "$dir"

stop() {
  as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap stop EXIT

as_owner "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-sync >/dev/null
as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w \
  -o "-c listen_addresses='' -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
  start >/dev/null

export TESSERA_TEST_POSTGRES_URL="postgres://postgres@localhost/postgres?host=$dir"
"$@"
