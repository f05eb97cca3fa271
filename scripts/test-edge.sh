#!/usr/bin/env bash
# Runs the Supabase Edge Function tests under real Deno (the `deno` npm package),
# against the local OpenAI stub; needs no network.
set -euo pipefail
cd "$(dirname "$0")/.."

DENO=node_modules/.bin/deno
if [[ ! -x "$DENO" ]]; then
  echo "test-edge: $DENO is missing; run npm install first" >&2
  exit 1
fi

# No update check and no lockfile: both would want the network or touch the tree.
export DENO_NO_UPDATE_CHECK=1
[[ -t 1 ]] || export NO_COLOR=1

# Supabase names its Deno tests `<name>-test.ts`, which `deno test <dir>` would not pick up,
# so the files are listed explicitly.
shopt -s nullglob
tests=(supabase/functions/tests/*-test.ts)
if (( ${#tests[@]} == 0 )); then
  echo "test-edge: no tests found in supabase/functions/tests/" >&2
  exit 1
fi

exec "$DENO" test --allow-net --allow-env --allow-read --no-prompt --no-lock "${tests[@]}"
