#!/usr/bin/env bash
# `npm test`: every suite, each on real parts: backend unit tests, e2e over HTTP against
# embedded PGlite and against a real PostgreSQL (fresh database per run), pgTAP row-level
# security tests, the Edge Function under Deno, the widget in headless Chromium, the built server
# from a production install, and the Docker image and compose stack.
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$PULSE_ROOT"
bash scripts/provision.sh || { echo "test: the machine could not be provisioned" >&2; exit 1; }

passed=()
failed=()
suite() {
  local name="$1"
  shift
  echo
  echo "=== $name"
  if "$@"; then passed+=("$name"); else failed+=("$name"); fi
}

export NODE_OPTIONS=--experimental-vm-modules
suite "build (widget size budget, backend)" npm run build --silent
suite "production install (npm ci --omit=dev)" bash scripts/test-prod-install.sh
suite "format (prettier)" npm run format:check --silent
suite "backend typecheck" npm run typecheck -w backend --silent
suite "lint (oxlint, type-aware)" npm run lint --silent
suite "dead code (knip)" npm run knip --silent
suite "import graph (dependency-cruiser)" npm run deps --silent
suite "OpenAPI contract (redocly lint, generated client types)" npm run openapi:check --silent
suite "backend unit" npm run test:unit -w backend --silent
suite "llm stub self-check" node --test testkit/openai-upstream.test.mjs
suite "backend e2e (embedded PGlite)" env PULSE_TEST_DB=pglite npm run test:e2e -w backend --silent
suite "backend e2e (PostgreSQL server)" env PULSE_TEST_DB=postgres npm run test:e2e -w backend --silent
suite "replicas behind HAProxy (topology)" npm run test:topology -w backend --silent
suite "backend e2e (through PgBouncer, transaction mode)" bash scripts/test-pgbouncer.sh
suite "database RLS (pgTAP)" bash scripts/test-pgtap.sh
suite "edge function (Deno)" bash scripts/test-edge.sh
unset NODE_OPTIONS
suite "widget (Chromium)" npm test -w widget --silent
suite "docker (image, compose stack)" bash scripts/test-docker.sh

echo
echo "=== summary"
for s in "${passed[@]}"; do echo "  ok    $s"; done
for s in "${failed[@]}"; do echo "  FAIL  $s"; done
echo "suites: ${#passed[@]} passed, ${#failed[@]} failed"
[ "${#failed[@]}" -eq 0 ]
