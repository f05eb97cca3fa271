import { newUserId, signToken } from '@pulse/testkit';
import request from 'supertest';
import { expectError } from './support/errors.js';
import { startTestApp, type TestApp, useTestApp } from './support/test-app.js';

const SESSIONS = '/api/chat/sessions';
const TOKEN = '/api/auth/token';
const API_KEY = 'integrator-api-key-0123456789abcdef';
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

async function userRowExists(t: TestApp, id: string): Promise<boolean> {
  return (await t.db.query('select 1 from public.users where id = $1', [id])).rows.length === 1;
}

/**
 * Failed authentication is throttled per client address (AUTH_FAILURES_PER_MINUTE): each
 * one cost a key comparison, a signature check or a users lookup. Behind TRUST_PROXY the
 * address comes from X-Forwarded-For, so each test here plays a client of its own.
 */
describe('auth failures per client address (behind a trusted proxy)', () => {
  let t: TestApp;
  let n = 0;
  /** A fresh client address, as the trusted proxy on loopback reports it. */
  const client = () => ({ 'X-Forwarded-For': `203.0.113.${++n}` });

  beforeAll(async () => {
    t = await startTestApp({ AUTH_FAILURES_PER_MINUTE: '3', PULSE_API_KEY: API_KEY, TRUST_PROXY: 'loopback' });
  });
  afterAll(() => t.close());

  it('refuses wrong X-Api-Key guesses past the limit with 429 TOO_MANY_AUTH_FAILURES, before minting anything', async () => {
    const from = client();
    for (const key of ['guess-1', 'guess-2', undefined]) {
      const req = request(t.url).post(TOKEN).set(from).send({ user_id: newUserId() });
      expectError(await (key ? req.set('X-Api-Key', key) : req), 401, 'INVALID_API_KEY');
    }
    const userId = newUserId();
    // Even the right key: the address has used its failures, and nothing is looked up or written for it.
    const refused = await request(t.url).post(TOKEN).set(from).set('X-Api-Key', API_KEY).send({ user_id: userId });
    expectError(refused, 429, 'TOO_MANY_AUTH_FAILURES');
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(await userRowExists(t, userId)).toBe(false);

    // Another address is unaffected.
    await request(t.url).post(TOKEN).set(client()).set('X-Api-Key', API_KEY).send({ user_id: userId }).expect(200);
  });

  it('counts invalid tokens and tokens of unknown users, then refuses even a valid token from that address', async () => {
    const from = client();
    const u = await t.user();
    expectError(await request(t.url).get(SESSIONS).set(from).set(bearer('not.a.jwt')), 401, 'TOKEN_MALFORMED');
    const forged = await signToken(u.id, { secret: 'some-other-secret-that-is-long-enough-000' });
    expectError(await request(t.url).get(SESSIONS).set(from).set(bearer(forged)), 401, 'UNAUTHORIZED');
    const stranger = await signToken(newUserId());
    expectError(await request(t.url).get(SESSIONS).set(from).set(bearer(stranger)), 403, 'USER_NOT_FOUND');

    const refused = await request(t.url).get(SESSIONS).set(from).set(u.auth);
    expectError(refused, 429, 'TOO_MANY_AUTH_FAILURES');
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    await request(t.url).get(SESSIONS).set(client()).set(u.auth).expect(200);
  });

  it('does not count what costs nothing: no token, or an expired one (the widget refreshes those)', async () => {
    const from = client();
    const u = await t.user();
    const expired = await signToken(u.id, { expiresIn: Math.floor(Date.now() / 1000) - 3600 });
    for (let i = 0; i < 4; i++) {
      expectError(await request(t.url).get(SESSIONS).set(from), 401, 'UNAUTHORIZED');
      expectError(await request(t.url).get(SESSIONS).set(from).set(bearer(expired)), 401, 'TOKEN_EXPIRED');
    }
    await request(t.url).get(SESSIONS).set(from).set(u.auth).expect(200);
  });

  it('does not count successes', async () => {
    const from = client();
    const u = await t.user();
    for (let i = 0; i < 5; i++) await request(t.url).get(SESSIONS).set(from).set(u.auth).expect(200);
    for (let i = 0; i < 5; i++) {
      await request(t.url).post(TOKEN).set(from).set('X-Api-Key', API_KEY).send({ user_id: newUserId() }).expect(200);
    }
  });
});

describe('client address without TRUST_PROXY: X-Forwarded-For is not believed', () => {
  const t = useTestApp({ AUTH_FAILURES_PER_MINUTE: '3', PULSE_API_KEY: API_KEY });

  it('a client that makes up a new X-Forwarded-For for every guess still runs out of guesses', async () => {
    for (let i = 1; i <= 3; i++) {
      const res = await request(t.url)
        .post(TOKEN)
        .set('X-Forwarded-For', `198.51.100.${i}`)
        .set('X-Api-Key', `guess-${i}`)
        .send({ user_id: newUserId() });
      expectError(res, 401, 'INVALID_API_KEY');
    }
    const res = await request(t.url)
      .post(TOKEN)
      .set('X-Forwarded-For', '198.51.100.99')
      .set('X-Api-Key', 'guess-4')
      .send({ user_id: newUserId() });
    expectError(res, 429, 'TOO_MANY_AUTH_FAILURES');
    expectError(await request(t.url).get(SESSIONS).set(bearer('not.a.jwt')), 429, 'TOO_MANY_AUTH_FAILURES');
  });
});

describe('client address with TRUST_PROXY as a hop count', () => {
  const t = useTestApp({ AUTH_FAILURES_PER_MINUTE: '2', PULSE_API_KEY: API_KEY, TRUST_PROXY: '1' });

  const guess = (xff: string) =>
    request(t.url).post(TOKEN).set('X-Forwarded-For', xff).set('X-Api-Key', 'wrong').send({ user_id: newUserId() });

  it('takes the address the one trusted proxy saw, not what the client wrote in front of it', async () => {
    // The proxy appends the address it saw; whatever the client sent comes before it.
    expectError(await guess('1.1.1.1, 192.0.2.10'), 401, 'INVALID_API_KEY');
    expectError(await guess('2.2.2.2, 192.0.2.10'), 401, 'INVALID_API_KEY');
    expectError(await guess('3.3.3.3, 192.0.2.10'), 429, 'TOO_MANY_AUTH_FAILURES');
    // A different client behind the same proxy has its own count.
    expectError(await guess('1.1.1.1, 192.0.2.11'), 401, 'INVALID_API_KEY');
  });
});
