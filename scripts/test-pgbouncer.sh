#!/usr/bin/env bash
# The backend e2e suite through a real PgBouncer in transaction mode, in front of the machine's
# PostgreSQL: how Supabase's transaction pooler (Supavisor, port 6543) and serverless hosts
# reach the database. Each transaction may land on any of 3 server connections per database,
# so anything session-scoped (named prepared statements, session advisory locks, SET, LISTEN)
# would break here. Test databases are still created directly on 127.0.0.1:5432.
# Arguments go to jest, e.g. `bash scripts/test-pgbouncer.sh test/pooler.e2e-spec.ts`.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PULSE_ROOT"

PGBOUNCER="$(command -v pgbouncer || echo /usr/sbin/pgbouncer)"
[ -x "$PGBOUNCER" ] || { echo "test-pgbouncer: pgbouncer is not installed (scripts/provision.sh installs it)" >&2; exit 1; }

port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
dir="$(mktemp -d /tmp/pulse-pgbouncer-XXXXXX)"
cat >"$dir/pgbouncer.ini" <<INI
[databases]
* = host=127.0.0.1 port=5432

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $port
unix_socket_dir =
auth_type = trust
auth_file = $dir/userlist.txt
pool_mode = transaction
default_pool_size = 3
max_client_conn = 2000
; A transaction pooler cannot keep per-client session settings, and PgBouncer refuses startup
; parameters it does not know unless told to ignore them (node-postgres sends these when set).
ignore_startup_parameters = extra_float_digits,options,statement_timeout,idle_in_transaction_session_timeout
logfile = $dir/pgbouncer.log
pidfile = $dir/pgbouncer.pid
admin_users = postgres
INI
echo '"postgres" ""' >"$dir/userlist.txt"

# PgBouncer refuses to run as root.
run=()
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres "$dir"
  run=(runuser -u postgres --)
fi
"${run[@]}" "$PGBOUNCER" "$dir/pgbouncer.ini" >"$dir/stdout.log" 2>&1 &
pid=$!
cleanup() {
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT

for _ in $(seq 1 50); do
  pg_isready -q -h 127.0.0.1 -p "$port" -U postgres -d postgres && break
  kill -0 "$pid" 2>/dev/null || { cat "$dir/stdout.log" "$dir/pgbouncer.log" >&2 || true; exit 1; }
  sleep 0.1
done
echo "test-pgbouncer: PgBouncer $("$PGBOUNCER" --version | head -n 1 | awk '{print $2}') on 127.0.0.1:$port (transaction mode, 3 server connections per database)" >&2

PULSE_TEST_DB=pgbouncer PULSE_TEST_PGBOUNCER_URL="postgres://postgres@127.0.0.1:$port/postgres" \
  NODE_OPTIONS=--experimental-vm-modules npm run test:e2e -w backend --silent -- "$@"
