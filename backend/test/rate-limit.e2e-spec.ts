import request from 'supertest';
import { send } from './support/chat.js';
import { expectError } from './support/errors.js';
import { startTestApp, type TestApp, useTestApp } from './support/test-app.js';

const SESSIONS = '/api/chat/sessions';

/** Retry-After in whole seconds, within the one-minute window. */
function expectRetryAfter(value: string | null | undefined): void {
  expect(value).toMatch(/^\d+$/);
  expect(Number(value)).toBeGreaterThanOrEqual(1);
  expect(Number(value)).toBeLessThanOrEqual(60);
}

describe('rate limiting per user', () => {
  const t = useTestApp({ RATE_LIMIT_PER_MINUTE: '3' });

  it('refuses a user past RATE_LIMIT_PER_MINUTE with 429 RATE_LIMITED, without affecting another user', async () => {
    const a = await t.user();
    const b = await t.user();
    for (let i = 0; i < 3; i++) await request(t.url).get(SESSIONS).set(a.auth).expect(200);
    const refused = await request(t.url).get(SESSIONS).set(a.auth).expect(429);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    await request(t.url).get(SESSIONS).set(b.auth).expect(200);
  });

  it('says when to come back: Retry-After on the refusal, RateLimit-* headers on every answer', async () => {
    const a = await t.user();
    const remaining: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ok = await request(t.url).get(SESSIONS).set(a.auth).expect(200);
      expect(ok.headers['ratelimit-limit']).toBe('3');
      expectRetryAfter(ok.headers['ratelimit-reset']);
      remaining.push(ok.headers['ratelimit-remaining']);
    }
    expect(remaining).toEqual(['2', '1', '0']);
    const refused = await request(t.url).get(SESSIONS).set(a.auth);
    expectError(refused, 429, 'RATE_LIMITED');
    expectRetryAfter(refused.headers['retry-after']);
    expect(refused.headers['ratelimit-remaining']).toBe('0');
  });

  it('lets a browser read the limit headers across origins', async () => {
    const a = await t.user();
    const res = await request(t.url).get(SESSIONS).set(a.auth).set('Origin', 'https://site.example').expect(200);
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase();
    for (const h of ['retry-after', 'ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) {
      expect(exposed).toContain(h);
    }
  });
});

describe('one budget per user across every authenticated endpoint', () => {
  let t: TestApp;
  beforeAll(async () => {
    // The sends budget is high here, so only the shared budget can refuse.
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '6', RATE_LIMIT_SENDS_PER_MINUTE: '100' });
  });
  afterAll(() => t.close());

  it('counts session calls and sends against the same budget (not one budget per controller)', async () => {
    const a = await t.user();
    const session = (await request(t.url).post(SESSIONS).set(a.auth).send({}).expect(201)).body.id as string;
    await request(t.url).get(SESSIONS).set(a.auth).expect(200);
    await request(t.url).get(`${SESSIONS}/${session}`).set(a.auth).expect(200);
    expect((await send(t, a.auth, { message: 'one', session_id: session })).status).toBe(200);
    const stream = await send(t, a.auth, { message: 'two', session_id: session }, { stream: true });
    expect(stream.status).toBe(200);
    await stream.text();
    await request(t.url).put(`${SESSIONS}/${session}`).set(a.auth).send({ title: 'Renamed' }).expect(200);

    // Six requests spent over two controllers: every endpoint now refuses this user.
    expectError(await request(t.url).get(SESSIONS).set(a.auth), 429, 'RATE_LIMITED');
    const sent = await send(t, a.auth, { message: 'three', session_id: session });
    expect(sent.status).toBe(429);
    expect(await sent.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expectRetryAfter(sent.headers.get('retry-after'));
    const streamed = await send(t, a.auth, { message: 'four', session_id: session }, { stream: true });
    expect(streamed.status).toBe(429);
    expect(streamed.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await streamed.json()).toMatchObject({ code: 'RATE_LIMITED' });
    expectError(await request(t.url).post(SESSIONS).set(a.auth).send({}), 429, 'RATE_LIMITED');

    // Nothing was stored past the limit.
    const { rows } = await t.db.query<{ n: number }>(
      'select count(*)::int as n from public.chat_messages where session_id = $1',
      [session],
    );
    expect(rows[0].n).toBe(4);
  });

  it('leaves open routes (health) outside any user budget', async () => {
    for (let i = 0; i < 8; i++) await request(t.url).get('/health').expect(200);
  });
});

describe('a separate budget for sends (RATE_LIMIT_SENDS_PER_MINUTE)', () => {
  const t = useTestApp({ RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_SENDS_PER_MINUTE: '2' });

  it('refuses the third send of the minute, JSON and stream alike, while reading stays allowed', async () => {
    const a = await t.user();
    const b = await t.user();
    expect((await send(t, a.auth, { message: 'one' })).status).toBe(200);
    const second = await send(t, a.auth, { message: 'two' }, { stream: true });
    expect(second.status).toBe(200);
    await second.text();

    const third = await send(t, a.auth, { message: 'three' });
    expect(third.status).toBe(429);
    expect(await third.json()).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    expectRetryAfter(third.headers.get('retry-after'));
    expect(third.headers.get('ratelimit-limit')).toBe('2');
    const streamed = await send(t, a.auth, { message: 'four' }, { stream: true });
    expect(streamed.status).toBe(429);
    expect(await streamed.json()).toMatchObject({ code: 'RATE_LIMITED' });

    await request(t.url).get(SESSIONS).set(a.auth).expect(200);
    expect((await send(t, b.auth, { message: 'another user' })).status).toBe(200);
    const { rows } = await t.db.query<{ n: number }>(
      'select count(*)::int as n from public.chat_sessions where user_id = $1',
      [a.id],
    );
    expect(rows[0].n).toBe(2);
  });
});
