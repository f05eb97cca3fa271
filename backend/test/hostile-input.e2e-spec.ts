import { eventually, TEST_SECRET } from '@pulse/testkit';
import { SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { createSession } from './support/chat.js';
import { expectError } from './support/errors.js';
import { type TestApp, useTestApp } from './support/test-app.js';

const API_KEY = 'integrator-key-0123456789abcdef';
const SESSIONS = '/api/chat/sessions';

/** `[[[...]]]` nested `depth` deep: 100,000 levels is ~195 KB, under every size limit. */
const nested = (depth: number, inner = '') => '['.repeat(depth) + inner + ']'.repeat(depth);

/** The log lines of one request (pino-http's line carries the request id). */
const linesOf = (t: TestApp, requestId: string) => t.logs.filter((l) => l.includes(requestId));

/** pino-http writes its line once the response has finished, which may be after the client read it. */
async function expectOneQuietLogLine(t: TestApp, requestId: string): Promise<void> {
  const lines = await eventually(`a log line for ${requestId}`, () =>
    linesOf(t, requestId).length > 0 ? linesOf(t, requestId) : undefined,
  );
  expect(lines).toHaveLength(1);
  expect(lines[0]).not.toMatch(/RangeError|SyntaxError|stack|"level":50/);
}

describe('hostile input: bodies, text fields, tokens and types are refused with a code, never a 500', () => {
  const t = useTestApp({ AI_PROVIDER: 'demo', PULSE_API_KEY: API_KEY });
  let u: Awaited<ReturnType<TestApp['user']>>;
  let sessionId: string;
  beforeAll(async () => {
    u = await t.user();
    sessionId = await createSession(t, u.auth, { title: 'target' });
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    request(t.url).post(path).set('Content-Type', 'application/json').set(headers).send(body);

  describe('deeply nested JSON', () => {
    const endpoints: Array<[string, 'post' | 'put', string, Record<string, string>]> = [
      ['mint a token without an API key (before auth)', 'post', '/api/auth/token', {}],
      ['create a session', 'post', SESSIONS, {}],
      ['update a session', 'put', `${SESSIONS}/:id`, {}],
      ['send (JSON)', 'post', '/api/chat/send', {}],
      ['send (stream)', 'post', '/api/chat/send', { Accept: 'text/event-stream' }],
    ];

    it.each(endpoints)(
      'refuses deeply nested arrays on %s with 400 BODY_TOO_DEEP and one log line',
      async (_n, method, path, extra) => {
        const headers = { ...(path.startsWith('/api/auth') ? {} : u.auth), ...extra };
        const url = path.replace(':id', sessionId);
        // 100,000 levels fit a send's 256 KB; elsewhere that many is refused by size alone (413), so 20,000.
        const levels = path === '/api/chat/send' ? 100_000 : 20_000;
        for (const body of [
          nested(levels),
          `{"title": ${nested(levels)}}`,
          `{"message": {"a": ${nested(50, '{}')}}}`,
        ]) {
          const res = await request(t.url)[method](url).set('Content-Type', 'application/json').set(headers).send(body);
          expectError(res, 400, 'BODY_TOO_DEEP');
          await expectOneQuietLogLine(t, res.body.requestId);
        }
        if (levels < 100_000) {
          const res = await request(t.url)
            [method](url)
            .set('Content-Type', 'application/json')
            .set(headers)
            .send(nested(100_000));
          expectError(res, 413, 'PAYLOAD_TOO_LARGE');
        }
      },
    );

    it('lets a body 32 levels deep through to validation, and brackets inside strings do not count', async () => {
      const deep32 = await post(SESSIONS, `{"title": ${nested(31)}}`, u.auth);
      expectError(deep32, 400, 'VALIDATION_FAILED', 'title');
      const deep33 = await post(SESSIONS, `{"title": ${nested(32)}}`, u.auth);
      expectError(deep33, 400, 'BODY_TOO_DEEP');

      const brackets = '[{'.repeat(500);
      const res = await post(SESSIONS, JSON.stringify({ title: 'ok', system_prompt: `${brackets} \\" ]]` }), u.auth);
      expect(res.status).toBe(201);
      expect(res.body.system_prompt).toBe(`${brackets} \\" ]]`);
    });

    it('refuses malformed JSON with 400 MALFORMED_JSON on every JSON endpoint', async () => {
      for (const [path, auth] of [
        ['/api/auth/token', {}],
        [SESSIONS, u.auth],
        ['/api/chat/send', u.auth],
      ] as const) {
        for (const body of ['{"message": ', '{message: 1}', '"just a string"', '[1,]', '\u0000']) {
          expectError(await post(path, body, auth), 400, 'MALFORMED_JSON');
        }
      }
    });

    it('limits the body per route: 64 KB for sessions and tokens, 256 KB for a send', async () => {
      const big = (field: string, kb: number) => JSON.stringify({ [field]: 'y'.repeat(kb * 1024) });
      expectError(await post(SESSIONS, big('system_prompt', 100), u.auth), 413, 'PAYLOAD_TOO_LARGE');
      expectError(await post('/api/auth/token', big('display_name', 100)), 413, 'PAYLOAD_TOO_LARGE');
      // A 100 KB send passes the parser and meets the message length limit instead.
      expectError(await post('/api/chat/send', big('message', 100), u.auth), 400, 'VALIDATION_FAILED', 'message');
      expectError(await post('/api/chat/send', big('message', 300), u.auth), 413, 'PAYLOAD_TOO_LARGE');
      // A message at its limit, every character escaped as \uXXXX (6 bytes), still fits.
      const escaped = `{"message": "${'\\u00e9'.repeat(16_000)}"}`;
      const res = await post('/api/chat/send', escaped, u.auth);
      expect({ status: res.status, code: (res.body as { code?: string }).code }).toEqual({
        status: 200,
        code: undefined,
      });
    });
  });

  describe('U+0000 and lone surrogates in text fields', () => {
    const BAD: Array<[string, string]> = [
      ['U+0000', 'before\u0000after'],
      ['a lone high surrogate', 'text \ud800'],
      ['a lone low surrogate', '\udc00 text'],
      ['reversed halves', 'x\udc00\ud800y'],
    ];

    // [what, method, path, body field, extra body, headers]
    const FIELDS: Array<
      [string, 'post' | 'put', string, string, Record<string, unknown>, 'user' | 'api-key' | 'stream']
    > = [
      ['send message (JSON)', 'post', '/api/chat/send', 'message', {}, 'user'],
      ['send system_prompt (JSON)', 'post', '/api/chat/send', 'system_prompt', { message: 'hi' }, 'user'],
      ['send message (stream)', 'post', '/api/chat/send', 'message', {}, 'stream'],
      ['send system_prompt (stream)', 'post', '/api/chat/send', 'system_prompt', { message: 'hi' }, 'stream'],
      ['create title', 'post', SESSIONS, 'title', {}, 'user'],
      ['create system_prompt', 'post', SESSIONS, 'system_prompt', {}, 'user'],
      ['update title', 'put', `${SESSIONS}/:id`, 'title', {}, 'user'],
      ['update system_prompt', 'put', `${SESSIONS}/:id`, 'system_prompt', {}, 'user'],
      ['minted display_name', 'post', '/api/auth/token', 'display_name', { user_id: randomUUID() }, 'api-key'],
      ['minted user_id', 'post', '/api/auth/token', 'user_id', {}, 'api-key'],
      ['minted email', 'post', '/api/auth/token', 'email', { user_id: randomUUID() }, 'api-key'],
    ];

    it.each(FIELDS)('refuses them in %s with 400 naming the field', async (_what, method, path, field, extra, who) => {
      const headers =
        who === 'api-key'
          ? { 'X-Api-Key': API_KEY }
          : who === 'stream'
            ? { ...u.auth, Accept: 'text/event-stream' }
            : u.auth;
      for (const [, value] of BAD) {
        const res = await request(t.url)
          [method](path.replace(':id', sessionId))
          .set(headers)
          .send({ ...extra, [field]: value });
        expectError(res, 400, 'VALIDATION_FAILED', field);
        expect(res.body.errors).toEqual(
          expect.arrayContaining([expect.objectContaining({ field, code: 'isCleanText' })]),
        );
      }
    });

    it('stores nothing from a refused send, and keeps real surrogate pairs (emoji) intact', async () => {
      const v = await t.user();
      await request(t.url).post('/api/chat/send').set(v.auth).send({ message: 'a\u0000b' }).expect(400);
      const { rows } = await t.db.query('select 1 from public.chat_sessions where user_id = $1', [v.id]);
      expect(rows).toEqual([]);

      const emoji = 'Grinning 😀 and 𝄞 clef';
      const created = await request(t.url).post(SESSIONS).set(v.auth).send({ title: emoji, system_prompt: emoji });
      expect([created.status, created.body.title, created.body.system_prompt]).toEqual([201, emoji, emoji]);
      const sent = await request(t.url).post('/api/chat/send').set(v.auth).send({ message: emoji });
      expect(sent.status).toBe(200);
    });

    it('documents the rule in the OpenAPI descriptions of the text fields', async () => {
      const doc = (await request(t.url).get('/openapi.json').expect(200)).body;
      const schemas = doc.components.schemas;
      for (const [schema, field] of [
        ['SendMessageDto', 'message'],
        ['SendMessageDto', 'system_prompt'],
        ['CreateSessionDto', 'title'],
        ['CreateSessionDto', 'system_prompt'],
        ['UpdateSessionDto', 'title'],
        ['UpdateSessionDto', 'system_prompt'],
        ['MintTokenDto', 'display_name'],
        ['MintTokenDto', 'user_id'],
      ]) {
        expect([schema, field, schemas[schema].properties[field].description]).toEqual([
          schema,
          field,
          expect.stringContaining('U+0000'),
        ]);
      }
    });
  });

  describe('malformed tokens', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    const header = b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
    const MALFORMED: Array<[string, string]> = [
      ['a payload that is not JSON', `${header}.${b64('not json {')}.sig`],
      ['a payload that is a JSON string', `${header}.${b64('"sub"')}.sig`],
      ['a header that is not JSON', `${b64('{alg')}.${b64('{}')}.sig`],
      ['bad base64', `${header}.@@@###.$$$`],
      ['two segments', `${header}.${b64('{}')}`],
      ['four segments', `${header}.${b64('{}')}.sig.more`],
      ['one segment', 'garbage'],
      ['an 8 KB+ token', `${header}.${b64(JSON.stringify({ sub: randomUUID(), pad: 'p'.repeat(9000) }))}.sig`],
    ];

    it.each(MALFORMED)('refuses %s with 401 TOKEN_MALFORMED and no error log', async (_what, token) => {
      const res = await request(t.url).get(SESSIONS).set('Authorization', `Bearer ${token}`);
      expectError(res, 401, 'TOKEN_MALFORMED');
      await expectOneQuietLogLine(t, res.body.requestId);
    });

    it('still answers a missing token with 401 UNAUTHORIZED', async () => {
      expectError(await request(t.url).get(SESSIONS).set('Authorization', 'Bearer '), 401, 'UNAUTHORIZED');
      expectError(await request(t.url).get(SESSIONS), 401, 'UNAUTHORIZED');
    });

    it('refuses a well-signed token without `exp` by default with 401 TOKEN_WITHOUT_EXPIRY', async () => {
      const token = await new SignJWT({ role: 'authenticated' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject(u.id)
        .setIssuedAt()
        .sign(new TextEncoder().encode(TEST_SECRET));
      expectError(
        await request(t.url).get(SESSIONS).set('Authorization', `Bearer ${token}`),
        401,
        'TOKEN_WITHOUT_EXPIRY',
      );
    });
  });

  describe('strict types: a wrong type is a 400, never converted', () => {
    it.each<[string, Record<string, unknown>]>([
      ['temperature', { temperature: '' }],
      ['temperature', { temperature: true }],
      ['temperature', { temperature: '0.5' }],
      ['temperature', { temperature: [1] }],
      ['max_tokens', { max_tokens: '0x10' }],
      ['max_tokens', { max_tokens: '16' }],
      ['max_tokens', { max_tokens: true }],
      ['max_tokens', { max_tokens: 1.5 }],
      ['message', { message: 12 }],
      ['session_id', { session_id: 12 }],
    ])('send refuses %s in %j', async (field, body) => {
      const res = await request(t.url)
        .post('/api/chat/send')
        .set(u.auth)
        .send({ message: 'hi', ...body });
      expectError(res, 400, 'VALIDATION_FAILED', field);
    });

    it.each(['0x10', '1e1', ' 5', '5.0', '', '+5', '-0', 'Infinity', '0b11'])(
      'refuses limit=%j on every listing',
      async (limit) => {
        for (const path of [SESSIONS, `${SESSIONS}/${sessionId}`, `${SESSIONS}/${sessionId}/messages`]) {
          const res = await request(t.url).get(path).query({ limit }).set(u.auth);
          expectError(res, 400, 'VALIDATION_FAILED', 'limit');
        }
      },
    );

    it('still reads plain decimal query integers and real JSON numbers', async () => {
      const list = await request(t.url).get(SESSIONS).query({ limit: '16' }).set(u.auth);
      expect(list.status).toBe(200);
      const res = await request(t.url)
        .post('/api/chat/send')
        .set(u.auth)
        .send({ message: 'hi', temperature: 0, max_tokens: 16 });
      expect(res.status).toBe(200);
    });
  });
});

describe('JWT_REQUIRE_EXP=false accepts tokens without `exp`', () => {
  const t = useTestApp({ AI_PROVIDER: 'demo', JWT_REQUIRE_EXP: 'false' });

  it('lets the token through', async () => {
    const u = await t.user();
    const token = await new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setSubject(u.id)
      .sign(new TextEncoder().encode(TEST_SECRET));
    await request(t.url).get(SESSIONS).set('Authorization', `Bearer ${token}`).expect(200);
  });
});
