#!/usr/bin/env bash
# Runs the pgTAP suite in supabase/tests/database against a throwaway database on a real
# Postgres server: creates it, applies every migration, runs pg_prove, drops it on exit.
#   PGHOST (127.0.0.1), PGPORT (5432), PGUSER (postgres), PGPASSWORD as for psql.
#   Extra arguments go to pg_prove (e.g. --verbose).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PGHOST="${PGHOST:-127.0.0.1}"
export PGUSER="${PGUSER:-postgres}"
# Unique per run, so concurrent runs on one server never collide.
db="pulse_pgtap_$$_$RANDOM"

for tool in psql pg_prove; do
  if ! command -v "$tool" >/dev/null; then
    echo "test-pgtap: $tool not found (Debian: apt-get install postgresql-client libtap-parser-sourcehandler-pgtap-perl)" >&2
    exit 127
  fi
done

psql_db() { psql -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }

cleanup() {
  # WITH (FORCE) also ends a pg_prove connection left behind by an interrupted run.
  psql -X -q -d postgres -c "drop database if exists \"$db\" with (force)" >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "create database \"$db\""

if ! psql_db -c 'create extension if not exists pgtap' 2>/dev/null; then
  available="$(psql -X -At -d "$db" -c "select count(*) from pg_available_extensions where name = 'pgtap'")"
  if [[ "$available" == "0" ]]; then
    major="$(psql -X -At -d "$db" -c "select current_setting('server_version_num')::int / 10000")"
    echo "test-pgtap: the pgtap extension is not installed on $PGHOST." >&2
    echo "  Debian/Ubuntu: apt-get install postgresql-$major-pgtap   (or build it from https://pgtap.org)" >&2
  else
    echo "test-pgtap: 'create extension pgtap' failed:" >&2
    psql_db -c 'create extension if not exists pgtap' >&2 || true
  fi
  exit 1
fi

cd "$root"
shopt -s nullglob
migrations=(supabase/migrations/*.sql)
tests=(supabase/tests/database/*.test.sql)
if (( ${#tests[@]} == 0 )); then
  echo "test-pgtap: no tests in supabase/tests/database" >&2
  exit 1
fi

# Glob order is lexical, which is timestamp order for Supabase migration names.
for migration in "${migrations[@]}"; do
  # client_min_messages hides the "already a member" notices of roles shared across runs.
  PGOPTIONS='-c client_min_messages=warning' psql_db -f "$migration"
done

status=0
pg_prove -d "$db" "$@" "${tests[@]}" || status=$?
exit "$status"
