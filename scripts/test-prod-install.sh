#!/usr/bin/env bash
# The guard against a run-time import of a dev-only package: the built server, installed with
# `npm ci --omit=dev` in a temporary folder (what the image keeps), must start and answer.
# Runs after the build suite (it needs backend/dist and widget/dist).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$PULSE_ROOT"
node --test docker/test/prod-install.test.mjs
