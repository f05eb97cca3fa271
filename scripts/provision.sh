#!/usr/bin/env bash
# What the tests need from the machine besides Node: a running PostgreSQL, pgTAP with
# pg_prove, Debian's Chromium, and a Docker engine (scripts/provision-docker.sh). Installs what
# is missing (as root, from Debian's packages) and starts PostgreSQL if it has stopped. Quick
# when all is there.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

pg_major=""
if [ -d /etc/postgresql ]; then pg_major="$(ls /etc/postgresql | sort -n | tail -n 1)"; fi

missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v pg_prove >/dev/null 2>&1 || missing+=(libtap-parser-sourcehandler-pgtap-perl)
if [ -n "$pg_major" ] && [ ! -f "/usr/share/postgresql/$pg_major/extension/pgtap.control" ]; then
  missing+=("postgresql-$pg_major-pgtap")
fi
if [ -z "$pg_major" ]; then missing+=(postgresql); fi

if [ "${#missing[@]}" -gt 0 ]; then
  echo "provision: installing ${missing[*]}" >&2
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >&2
  if [ -z "$pg_major" ]; then
    pg_major="$(ls /etc/postgresql | sort -n | tail -n 1)"
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "postgresql-$pg_major-pgtap" >&2
  fi
fi

# PgBouncer for the e2e run through a transaction-mode pooler (scripts/test-pgbouncer.sh starts
# its own private instance; the packaged service is not used).
if [ ! -x /usr/sbin/pgbouncer ] && ! command -v pgbouncer >/dev/null 2>&1; then
  echo "provision: installing pgbouncer" >&2
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq pgbouncer >&2
fi

if ! pg_isready -q -h 127.0.0.1 -p 5432; then
  echo "provision: starting PostgreSQL $pg_major" >&2
  as_root pg_ctlcluster --skip-systemctl-redirect "$pg_major" main start >&2 || true
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432 >&2

# The replicas (topology) suite runs a real load balancer in front of several servers, and Redis.
if ! command -v haproxy >/dev/null 2>&1; then
  echo "provision: installing haproxy" >&2
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq haproxy >&2
fi
if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "provision: installing redis" >&2
    as_root apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq redis-server >&2
  fi
  echo "provision: starting Redis" >&2
  as_root redis-server --daemonize yes --bind 127.0.0.1 --port 6379 >&2 || true
  for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 1; done
fi

# The docker suite's engine, compose and base-image tools. Without them only that suite fails
# (it provisions again and says why), so the other suites still run.
bash "$(dirname "$0")/provision-docker.sh" || echo "provision: Docker is not available; the docker suite will fail" >&2
