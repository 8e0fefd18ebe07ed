# Sourced by the bench scripts that measure one server on a seeded SQLite database: a work
# directory removed on exit, with the server ($server_pid, once started) stopped first, and
# DATABASE_URL pointing into it. Needs $bin, the server binary.

work=$(mktemp -d)
server_pid=""
cleanup() {
  [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  rm -rf "$work"
}
trap cleanup EXIT
export DATABASE_URL="sqlite://$work/bench.db"

# seed_valid_tokens USERS TOKENS WANTED: seeds the database and writes WANTED tokens that
# work (active, and allowed from anywhere) to $work/valid.txt. About a quarter of the seeded
# tokens work.
seed_valid_tokens() {
  "$bin" demo seed --users "$1" --tokens "$2" --write-tokens "$work/seeded.txt" >/dev/null
  head -"$3" "$work/seeded.txt" >"$work/valid.txt"
  local got
  got=$(wc -l <"$work/valid.txt")
  [ "$got" = "$3" ] || { echo "seeding $2 tokens gave $got working ones, not $3" >&2; exit 1; }
}

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
