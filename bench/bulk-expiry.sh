#!/usr/bin/env bash
# Times a bulk expiry from the System Users report: the integration test that expires every
# active token a filter matches, at 1,000 and 10,000 tokens (SIZES), RUNS times each, on
# SQLite and on a throwaway PostgreSQL. Each line is the server function's whole answer
# through the router: the count check, the update and the change sent to every instance.
# Usage: bench/bulk-expiry.sh          RUNS=5 SIZES="1000 10000 50000" bench/bulk-expiry.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
runs=${RUNS:-3}
sizes=${SIZES:-1000 10000}
cd "$root"
if [ -z "${TESSERA_TEST_POSTGRES_URL:-}" ]; then
  exec server/tests/with-postgres.sh "$0" "$@"
fi
cargo test -p server --test integration --no-run --quiet
time_one() {
  env "${@:2}" BULK_TOKENS="$1" cargo test -p server --test integration --quiet bulk_expiry::every_token -- --nocapture \
    | grep '^bulk expiry'
}
for size in $sizes; do
  for _ in $(seq "$runs"); do
    time_one "$size" -u TESSERA_TEST_POSTGRES_URL
    time_one "$size"
  done
done
