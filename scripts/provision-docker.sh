#!/usr/bin/env bash
# What the docker suite needs from the machine: Debian's Docker engine, docker-compose and
# debootstrap (for the local base images, scripts/docker-base-images.sh), and a running dockerd.
# Our machines give containers no bridge network: the daemon runs without one (and without
# iptables rules), and every container uses the host's network. Quick when all is there.
set -euo pipefail

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v docker-compose >/dev/null 2>&1 || missing+=(docker-compose)
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "provision: installing ${missing[*]}" >&2
  as_root apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >&2
fi

if ! as_root docker info >/dev/null 2>&1; then
  log=/var/log/pulse-dockerd.log
  echo "provision: starting dockerd (no bridge network; log in $log)" >&2
  # Its own session, so it outlives the shell that started it.
  as_root setsid nohup dockerd --bridge=none --iptables=false --ip-masq=false </dev/null >>"$log" 2>&1 &
  for _ in $(seq 1 60); do as_root docker info >/dev/null 2>&1 && break; sleep 1; done
  as_root docker info >/dev/null 2>&1 || {
    tail -n 20 "$log" >&2
    echo "provision: dockerd did not start" >&2
    exit 1
  }
fi
