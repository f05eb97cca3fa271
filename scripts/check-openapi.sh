#!/usr/bin/env bash
# The OpenAPI contract: writes the document from the built backend (no server, no database),
# lints it (redocly, recommended-strict: no errors, no warnings), generates client types with
# openapi-typescript and type-checks a small typed client against them.
set -euo pipefail
cd "$(dirname "$0")/.."

doc=backend/dist/openapi.json
node scripts/write-openapi.mjs "$doc"
npx redocly lint "$doc"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
# The lint above is the strict one (with its listed exceptions, which this run would not read).
printf 'extends:\n  - minimal\n' >"$tmp/redocly.yaml"
# openapi-typescript needs the TypeScript 5 compiler API as a peer. Installed in the tree, that
# TypeScript would land in the root node_modules, where @nestjs/swagger's optional peer pulls it
# into `npm ci --omit=dev` (the image) too; so it runs from npm's cache instead, versions pinned.
npm exec --yes --package=openapi-typescript@7.13.0 --package=typescript@5.9.3 -- \
  openapi-typescript "$doc" --redocly "$tmp/redocly.yaml" --output "$tmp/api.d.ts" >/dev/null
cat >"$tmp/client.ts" <<'TS'
import type { components, paths } from './api.js';

type Send = paths['/api/chat/send']['post'];
type SendBody = NonNullable<Send['requestBody']>['content']['application/json'];
type SendResult = Send['responses'][200]['content']['application/json'];
type StreamPart = Send['responses'][200]['content']['text/event-stream'];
type ErrorBody = components['schemas']['Error'];
type SessionPage = paths['/api/chat/sessions']['get']['responses'][200]['content']['application/json'];

export async function send(base: string, token: string, body: SendBody): Promise<SendResult> {
  const res = await fetch(`${base}/api/chat/send`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status === 404) {
    const error = (await res.json()) as Send['responses'][404]['content']['application/json'];
    const code: 'SESSION_NOT_FOUND' = error.code;
    throw new Error(code);
  }
  return (await res.json()) as SendResult;
}

export function text(part: StreamPart): string {
  switch (part.type) {
    case 'text-delta':
      return part.delta;
    case 'data-error':
      return part.data.code satisfies ErrorBody['code'];
    case 'data-session':
      return part.data.session_id;
    default:
      return '';
  }
}

export const nextCursor = (page: SessionPage): string | null => (page.has_more ? page.last_id : null);
export const answer = (result: SendResult): string => result.response;
export const known: ErrorBody['code'] = 'IDEMPOTENCY_KEY_IN_USE';
// @ts-expect-error: a code the API does not have
export const unknown: ErrorBody['code'] = 'NO_SUCH_CODE';
TS
backend/node_modules/.bin/tsc --noEmit --strict --target es2022 --module nodenext --moduleResolution nodenext --lib es2023,dom \
  --types node --skipLibCheck false "$tmp/client.ts"
echo "openapi: document lint-clean; generated client types check"
