import fc from 'fast-check';
import { randomUUID } from 'node:crypto';
import { createSession, sendJson } from './support/chat.js';
import { TEST_DB, useChatApp } from './support/test-app.js';

/**
 * Property-based fuzzing of every endpoint against the real app: JSON bodies built from each
 * DTO's fields with arbitrary, unicode (lone surrogates, U+0000), nested and wrong-typed
 * values, raw bodies that are not JSON, odd query strings, path ids and headers.
 * The properties: no response is a 500 (or any 5xx), and every 4xx is the one error shape
 * with a `code`. Bounded: RUNS inputs per endpoint, a few thousand in all.
 */
const RUNS = Number(process.env.PULSE_FUZZ_RUNS ?? 250);
const API_KEY = 'integrator-key-0123456789abcdef';
/** A ceiling per property for a loaded CI machine (each takes a few seconds on a quiet one); not a timing check. */
const PROPERTY_TIMEOUT_MS = 180_000;

// --- values ---------------------------------------------------------------------------
const oddString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom(
    '',
    ' ',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udfff',
    '\udc00\ud800',
    '😀',
    '0x10',
    '1e3',
    '-1',
    'true',
    'null',
    'NaN',
    '__proto__',
    'constructor',
    '%00',
    '../../etc/passwd',
    "'; drop table public.users; --",
    '<script>alert(1)</script>',
    '00000000-0000-0000-0000-000000000000',
  ),
  fc.uuid(),
  fc.nat({ max: 3 }).map((n) => 'x'.repeat([199, 201, 8001, 16001][n])),
);

const leaf = fc.oneof(
  oddString,
  fc.integer(),
  fc.double(),
  fc.constantFrom(0, 1, 2, 16, 32000, 32001, -1, 1.5, 2 ** 53, Number.MAX_VALUE, 1e308),
  fc.boolean(),
  fc.constant(null),
);

const { value } = fc.letrec((tie) => ({
  value: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, tie('array'), tie('object')),
  array: fc.array(tie('value'), { maxLength: 4 }),
  object: fc.dictionary(oddString, tie('value'), { maxKeys: 4 }),
}));

/** Arrays nested around the 32-level limit and far past it. */
const deep = fc.constantFrom(8, 31, 32, 33, 64, 1000, 50_000).map((n) => '['.repeat(n) + ']'.repeat(n));

/** A body for a DTO: any subset of its fields with any values, sometimes plus unknown fields. */
function dtoBody(fields: string[], valid: Record<string, fc.Arbitrary<unknown>> = {}) {
  const shape = Object.fromEntries(fields.map((f) => [f, fc.oneof(valid[f] ?? value, value)]));
  return fc
    .tuple(
      fc.record(shape, { requiredKeys: [] }),
      fc.option(fc.dictionary(oddString, value, { maxKeys: 2 }), { freq: 4 }),
    )
    .map(([known, extra]) => ({ ...extra, ...known }));
}

/** The bytes sent: usually the JSON of a value, sometimes JSON that is not, or is too deep. */
const rawBody = (body: fc.Arbitrary<unknown>) =>
  fc.oneof(
    { weight: 8, arbitrary: body.map((b) => JSON.stringify(b) ?? 'null') },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 60 }) },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: value.map((v) => JSON.stringify(v) ?? 'null') },
  );

const contentType = fc.oneof(
  { weight: 8, arbitrary: fc.constant('application/json') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'text/plain',
      'application/json; charset=utf-16',
      'application/x-www-form-urlencoded',
      'application/merge-patch+json',
      '',
    ),
  },
);

/** Header values a client can actually send (fetch refuses control characters and non-Latin-1). */
const headerValue = fc.string({
  unit: fc
    .integer({ min: 0x20, max: 0xff })
    .filter((c) => c !== 0x7f)
    .map((c) => String.fromCharCode(c)),
  maxLength: 300,
});

const idempotencyKey = fc.option(
  fc.oneof(headerValue, fc.constantFrom('k', 'same-key', 'x'.repeat(255), 'x'.repeat(256))),
  {
    freq: 2,
  },
);

const pathId = (known: () => string) =>
  fc.oneof(
    fc.constant(null).map(() => known()),
    fc.uuid().map((s) => s.toUpperCase()),
    // (A lone surrogate cannot be percent-encoded; as UTF-8 it is U+FFFD, so that is what goes.)
    oddString.map((s) => encodeURIComponent(Buffer.from(s).toString())),
    fc.constantFrom('%', '%FF', '%00', '%2e%2e', 'a%2Fb', '..', 'undefined'),
  );

const queryValue = fc.oneof(oddString, fc.constantFrom('10', '0x10', '0', '201', '1e1', 'asc', 'desc', 'true', '1'));
const query = (keys: string[]) =>
  fc
    .array(fc.tuple(fc.oneof(fc.constantFrom(...keys), oddString), queryValue), { maxLength: 4 })
    .map((pairs) => new URLSearchParams(pairs).toString());

// --- the run ----------------------------------------------------------------------------
describe(`fuzzing every endpoint (${TEST_DB}): no 500 from any input, every 4xx has a code`, () => {
  const { t } = useChatApp({ PULSE_API_KEY: API_KEY, LOG_LEVEL: 'warn' });
  let auth: { Authorization: string };
  let sessionId: string;
  const tally = { inputs: 0, byStatus: new Map<number, number>(), failures: [] as string[] };
  beforeAll(async () => {
    const u = await t.user();
    auth = u.auth;
    sessionId = await createSession(t, auth, { title: 'fuzz target' });
  });
  afterAll(() => {
    const statuses = [...tally.byStatus].sort(([a], [b]) => a - b).map(([s, n]) => `${s}×${n}`);
    process.stdout.write(`\nfuzz (${TEST_DB}): ${tally.inputs} inputs, statuses ${statuses.join(' ')}\n`);
  });

  /** One request; the properties hold or the input is reported. */
  async function check(method: string, path: string, init: { headers?: Record<string, string>; body?: string } = {}) {
    tally.inputs += 1;
    const res = await fetch(`${t.url}${path}`, { method, headers: init.headers, body: init.body });
    const text = await res.text();
    tally.byStatus.set(res.status, (tally.byStatus.get(res.status) ?? 0) + 1);
    if (res.status >= 500) throw new Error(`${method} ${path} → ${res.status} ${text.slice(0, 300)}`);
    if (res.status >= 400) {
      let body: { code?: unknown; statusCode?: unknown } = {};
      try {
        body = JSON.parse(text);
      } catch {
        // reported below
      }
      if (typeof body.code !== 'string' || body.statusCode !== res.status) {
        throw new Error(`${method} ${path} → ${res.status} without a code: ${text.slice(0, 300)}`);
      }
    }
  }

  const property = <T>(arb: fc.Arbitrary<T>, run: (input: T) => Promise<void>) =>
    fc.assert(fc.asyncProperty(arb, run), { numRuns: RUNS });

  const headersOf = (ct: string, extra: Record<string, string | null> = {}) =>
    Object.fromEntries(
      Object.entries({ ...auth, 'Content-Type': ct, ...extra }).filter((e): e is [string, string] => e[1] !== null),
    );

  it(
    'POST /api/chat/send (JSON and stream, with and without Idempotency-Key)',
    async () => {
      const body = dtoBody(['message', 'session_id', 'system_prompt', 'temperature', 'max_tokens'], {
        message: fc.constantFrom('hi', 'Hello there'),
        session_id: fc.constant(null).map(() => sessionId),
        temperature: fc.double({ min: 0, max: 2, noNaN: true }),
        max_tokens: fc.integer({ min: 1, max: 64 }),
      });
      await property(
        fc.record({ raw: rawBody(body), ct: contentType, key: idempotencyKey, stream: fc.boolean() }),
        ({ raw, ct, key, stream }) =>
          check('POST', '/api/chat/send', {
            headers: headersOf(ct, {
              'Idempotency-Key': key,
              Accept: stream ? 'text/event-stream' : 'application/json',
            }),
            body: raw,
          }),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'edit, regenerate and choose a branch, with odd bodies and path ids',
    async () => {
      const sent = await sendJson(t, auth, { message: 'fuzz branches', session_id: sessionId });
      const { user_message_id: question, assistant_message_id: answer } = sent.body as Record<string, string>;
      const settings = {
        temperature: fc.double({ min: 0, max: 2, noNaN: true }),
        max_tokens: fc.integer({ min: 1, max: 64 }),
      };
      const regenerate = dtoBody(['temperature', 'max_tokens'], settings);
      const edit = dtoBody(['message', 'temperature', 'max_tokens'], {
        message: fc.constantFrom('hi', 'Edited'),
        ...settings,
      });
      const accept = (stream: boolean) => (stream ? 'text/event-stream' : 'application/json');
      for (const [action, mid, body] of [
        ['regenerate', answer, regenerate],
        ['edit', question, edit],
      ] as const) {
        await property(
          fc.record({
            sid: pathId(() => sessionId),
            mid: pathId(() => mid),
            raw: rawBody(body),
            ct: contentType,
            key: idempotencyKey,
            stream: fc.boolean(),
          }),
          ({ sid, mid, raw, ct, key, stream }) =>
            check('POST', `/api/chat/sessions/${sid}/messages/${mid}/${action}`, {
              headers: headersOf(ct, { 'Idempotency-Key': key, Accept: accept(stream) }),
              body: raw,
            }),
        );
      }
      const branch = dtoBody(['message_id'], { message_id: fc.constantFrom(question, answer) });
      await property(
        fc.record({ sid: pathId(() => sessionId), raw: rawBody(branch), ct: contentType }),
        ({ sid, raw, ct }) => check('POST', `/api/chat/sessions/${sid}/branch`, { headers: headersOf(ct), body: raw }),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'POST /api/chat/sessions and PUT /api/chat/sessions/:id',
    async () => {
      const create = dtoBody(['title', 'system_prompt']);
      const update = dtoBody(['title', 'system_prompt', 'is_active'], { is_active: fc.boolean() });
      await property(fc.record({ raw: rawBody(create), ct: contentType }), ({ raw, ct }) =>
        check('POST', '/api/chat/sessions', { headers: headersOf(ct), body: raw }),
      );
      await property(
        fc.record({ id: pathId(() => sessionId), raw: rawBody(update), ct: contentType }),
        ({ id, raw, ct }) => check('PUT', `/api/chat/sessions/${id}`, { headers: headersOf(ct), body: raw }),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'GET listings with odd query strings and path ids',
    async () => {
      await property(query(['limit', 'after', 'include_archived']), (q) =>
        check('GET', `/api/chat/sessions?${q}`, { headers: auth }),
      );
      await property(fc.record({ id: pathId(() => sessionId), q: query(['limit']) }), ({ id, q }) =>
        check('GET', `/api/chat/sessions/${id}?${q}`, { headers: auth }),
      );
      await property(fc.record({ id: pathId(() => sessionId), q: query(['limit', 'after', 'order']) }), ({ id, q }) =>
        check('GET', `/api/chat/sessions/${id}/messages?${q}`, { headers: auth }),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'DELETE and clear with odd path ids (never the target session)',
    async () => {
      const id = pathId(() => randomUUID());
      await property(fc.record({ id, clear: fc.boolean() }), ({ id, clear }) =>
        check(clear ? 'POST' : 'DELETE', `/api/chat/sessions/${id}${clear ? '/clear' : ''}`, { headers: auth }),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'POST /api/auth/token with odd bodies and API keys',
    async () => {
      const body = dtoBody(['user_id', 'email', 'display_name'], {
        user_id: fc.uuid(),
        email: fc.emailAddress(),
      });
      const apiKey = fc.oneof(fc.constant(API_KEY), headerValue, fc.constant(null));
      await property(fc.record({ raw: rawBody(body), ct: contentType, key: apiKey }), ({ raw, ct, key }) =>
        check('POST', '/api/auth/token', {
          headers: { 'Content-Type': ct, ...(key === null ? {} : { 'X-Api-Key': key }) },
          body: raw,
        }),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it(
    'any endpoint with odd Authorization headers',
    async () => {
      const b64 = (s: string) => Buffer.from(s).toString('base64url');
      const token = fc.oneof(
        headerValue,
        fc.tuple(oddString, oddString, oddString).map(([a, b, c]) => `${b64(a)}.${b64(b)}.${b64(c)}`),
        fc
          .tuple(value, oddString)
          .map(
            ([payload, sig]) =>
              `${b64('{"alg":"HS256","typ":"JWT"}')}.${b64(JSON.stringify(payload) ?? '')}.${b64(sig)}`,
          ),
      );
      const scheme = fc.constantFrom('Bearer ', 'bearer ', 'Basic ', '', 'Bearer  ');
      const route = fc.constantFrom('/api/chat/sessions', `/api/chat/sessions/${randomUUID()}`, '/health/ready');
      await property(fc.record({ scheme, token, route }), ({ scheme, token, route }) =>
        check('GET', route, { headers: { Authorization: `${scheme}${token}`.trim() } }),
      );
    },
    PROPERTY_TIMEOUT_MS,
  );

  it('found no failure', () => {
    // The properties above throw on the first failing input (fast-check prints it, shrunk,
    // with the seed that reproduces it); this records the size of the run.
    expect(tally.inputs).toBe(RUNS * 12);
  });
});
