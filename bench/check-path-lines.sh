#!/usr/bin/env bash
# Production lines of the token-check path: each file's lines before its `#[cfg(test)]`
# module, all of them and those that are neither blank nor comments.
# Usage: bench/check-path-lines.sh [REVISION]   (default: the work tree)
#   bench/check-path-lines.sh d90e35c           # the path before change events
set -euo pipefail
cd "$(dirname "$0")/.."
rev=${1:-}
before_events=(server/src/db/bearer_cache.rs server/src/db/known_tokens.rs
  server/src/bearer/known.rs server/src/bearer/usage.rs)
with_events=(server/src/bearer/cache.rs server/src/bearer/token.rs server/src/bearer/usage.rs)
events=(server/src/changes/mod.rs server/src/changes/change.rs server/src/changes/proof.rs
  server/src/changes/postgres.rs)
read_file() { if [ -n "$rev" ]; then git show "$rev:$1" 2>/dev/null; else cat "$1" 2>/dev/null; fi; }
count() { # files… → "lines code", each file up to its test module
  for file in "$@"; do
    read_file "$file" | awk '/^#\[cfg\(test\)\]/ { exit }
      { lines++; if ($0 !~ /^[ \t]*$/ && $0 !~ /^[ \t]*\/\//) code++ }
      END { print lines + 0, code + 0 }'
  done | awk '{ lines += $1; code += $2 } END { printf "%d %d", lines, code }'
}
exists() { read_file "$1" >/dev/null; }
if exists server/src/db/bearer_cache.rs; then cache=("${before_events[@]}"); else cache=("${with_events[@]}"); fi
printf '%-58s %6s %6s\n' "token cache, cached entries, last use" lines code
printf '%-58s %6s %6s\n' "  (${cache[*]##*/})" $(count "${cache[@]}")
printf '%-58s %6s %6s\n' "reading and checking a request's token (bearer/extract.rs)" $(count server/src/bearer/extract.rs)
printf '%-58s %6s %6s\n' "the policy cache (app/src/security/policy.rs)" $(count app/src/security/policy.rs)
if exists server/src/changes/mod.rs; then
  printf '%-58s %6s %6s\n' "change events and the trust bound (server/src/changes/)" $(count "${events[@]}")
fi
