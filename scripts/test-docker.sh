#!/usr/bin/env bash
# The docker suite: builds docker/Dockerfile, runs the image as the README's "Docker" section
# does (docker/test/image.test.mjs), then the compose stack (docker/test/compose.test.mjs), then
# three replicas behind HAProxy over Postgres and Redis (docker/test/replicas.test.mjs).
# Needs a running dockerd (scripts/provision-docker.sh) and the local base images, which
# scripts/docker-base-images.sh builds once (Docker Hub is unreachable here). Every container,
# image tag, volume and database carries this run's id, so parallel runs do not collide.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PULSE_ROOT"

bash scripts/provision-docker.sh
bash scripts/docker-base-images.sh

export PULSE_TEST_IMAGE="pulse-test:$(date +%s)-$$"
# --no-prune: drop only this run's tag and keep the layers, the next build's cache.
trap 'docker rmi --no-prune "$PULSE_TEST_IMAGE" >/dev/null 2>&1 || true' EXIT

started=$SECONDS
docker build --quiet --network host -f docker/Dockerfile -t "$PULSE_TEST_IMAGE" . >/dev/null
size="$(docker image inspect -f '{{.Size}}' "$PULSE_TEST_IMAGE")"
echo "docker: built $PULSE_TEST_IMAGE in $((SECONDS - started)) s; image size $((size / 1000000)) MB"

node --test --test-concurrency=1 docker/test/image.test.mjs docker/test/compose.test.mjs docker/test/replicas.test.mjs
echo "docker: build and tests done in $((SECONDS - started)) s"
