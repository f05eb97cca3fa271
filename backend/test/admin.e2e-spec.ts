import { jest } from '@jest/globals';
import { eventually, newUserId, signToken } from '@pulse/testkit';
import { SignJWT } from 'jose';
import { createHmac, createSecretKey } from 'node:crypto';
import request from 'supertest';
import { type Auth, sendJson } from './support/chat.js';
import { expectError } from './support/errors.js';
import { TEST_DB, type TestApp, useChatApp } from './support/test-app.js';

jest.setTimeout(60_000);

const ADMIN_KEY = 'admin-key-for-the-e2e-tests-0123456789';

const adminToken = async (t: TestApp): Promise<Auth> => {
  const res = await request(t.url).post('/api/admin/token').send({ key: ADMIN_KEY });
  expect(res.status).toBe(200);
  return { Authorization: `Bearer ${res.body.token as string}` };
};

const analytics = (t: TestApp, auth: Auth, query: Record<string, string> = {}) =>
  request(t.url).get('/api/admin/analytics').query(query).set(auth);

describe(`admin sign-in (${TEST_DB})`, () => {
  const { t } = useChatApp({ PULSE_ADMIN_KEY: ADMIN_KEY, ADMIN_TOKEN_MINUTES: '5' });

  it('exchanges the admin key for a short-lived token, and refuses a wrong key', async () => {
    const res = await request(t.url).post('/api/admin/token').send({ key: ADMIN_KEY });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      token: expect.any(String),
      token_type: 'Bearer',
      expires_in: 300,
      expires_at: expect.any(String),
    });
    const lifetime = Date.parse(res.body.expires_at as string) - Date.now();
    expect(lifetime).toBeGreaterThan(290_000);
    expect(lifetime).toBeLessThanOrEqual(300_000);
    expectError(
      await request(t.url)
        .post('/api/admin/token')
        .send({ key: `${ADMIN_KEY}x` }),
      401,
      'ADMIN_KEY_INVALID',
    );
    expectError(await request(t.url).post('/api/admin/token').send({}), 400, 'VALIDATION_FAILED', 'key');
    // The key never reaches the logs.
    expect(t.logs.join('')).not.toContain(ADMIN_KEY);
  });

  it("lets an admin token in, and never a visitor's token, a missing one or a forged one", async () => {
    expect((await analytics(t, await adminToken(t))).status).toBe(200);
    expectError(await analytics(t, {} as Auth), 401, 'UNAUTHORIZED');
    const visitor = await t.user();
    expectError(await analytics(t, visitor.auth), 403, 'ADMIN_REQUIRED');
    // A visitor's token that says `role: pulse_admin` in user_metadata (which users edit) is still a visitor.
    const selfPromoted = await signToken(visitor.id, { claims: { user_metadata: { role: 'pulse_admin' } } });
    expectError(await analytics(t, { Authorization: `Bearer ${selfPromoted}` }), 403, 'ADMIN_REQUIRED');
    // An admin-shaped token signed with the visitors' secret is not an admin token.
    const forged = await signToken('admin-key', { issuer: 'pulse', audience: 'pulse:admin' });
    expectError(await analytics(t, { Authorization: `Bearer ${forged}` }), 403, 'ADMIN_REQUIRED');
    expectError(await analytics(t, { Authorization: 'Bearer not.a.token' }), 401, 'TOKEN_MALFORMED');
  });

  it('lets in a host token carrying the pulse_admin role where identity providers put roles', async () => {
    for (const claims of [
      { app_metadata: { role: 'pulse_admin' } },
      { app_metadata: { roles: ['support', 'pulse_admin'] } },
      { roles: ['pulse_admin'] },
    ]) {
      const token = await signToken(newUserId(), { claims });
      expect((await analytics(t, { Authorization: `Bearer ${token}` })).status).toBe(200);
    }
  });

  it("an admin token opens no visitor's route, and an expired one is refused", async () => {
    const admin = await adminToken(t);
    expectError(await request(t.url).get('/api/chat/sessions').set(admin), 401, 'UNAUTHORIZED');
    expectError(await request(t.url).get('/api/usage').set(admin), 401, 'UNAUTHORIZED');
    // Signed with the server's derived key, but expired a minute ago.
    const key = createSecretKey(createHmac('sha256', ADMIN_KEY).update('pulse admin token v1').digest());
    const now = Math.floor(Date.now() / 1000);
    const expired = await new SignJWT({ scope: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('pulse')
      .setAudience('pulse:admin')
      .setSubject('admin-key')
      .setIssuedAt(now - 600)
      .setExpirationTime(now - 60)
      .sign(key);
    expectError(await analytics(t, { Authorization: `Bearer ${expired}` }), 401, 'TOKEN_EXPIRED');
  });
});

describe(`analytics (${TEST_DB})`, () => {
  const { t, upstream } = useChatApp({ PULSE_ADMIN_KEY: ADMIN_KEY });

  it('reports a range per hour: messages, users, sessions, tokens, latencies, errors by code, feedback, top sessions', async () => {
    const from = new Date(Math.floor(Date.now() / 3_600_000) * 3_600_000).toISOString();
    const alice = await t.user();
    const bob = await t.user();
    const usage = (prompt: number, completion: number) => ({
      prompt_tokens: prompt,
      completion_tokens: completion,
      total_tokens: prompt + completion,
    });
    // Alice: a session of three exchanges; Bob: one exchange, then a send the model fails.
    upstream.enqueue({ kind: 'text', text: 'A1', usage: usage(10, 2) });
    const a = await sendJson(t, alice.auth, { message: 'Alice one' });
    upstream.enqueue({ kind: 'text', text: 'A2', usage: usage(20, 3) });
    await sendJson(t, alice.auth, { message: 'Alice two', session_id: a.body.session_id });
    upstream.enqueue({ kind: 'text', text: 'A3', usage: usage(30, 4) });
    await sendJson(t, alice.auth, { message: 'Alice three', session_id: a.body.session_id });
    upstream.enqueue({ kind: 'text', text: 'B1', usage: usage(5, 1) });
    const b = await sendJson(t, bob.auth, { message: 'Bob one' });
    upstream.enqueue({ kind: 'error', status: 500, message: 'model down' });
    const failed = await sendJson(t, bob.auth, { message: 'Bob two', session_id: b.body.session_id });
    expect(failed.body.code).toBe('UPSTREAM_ERROR');
    // Feedback: two up, one down.
    const rate = (u: typeof alice, id: string, rating: string) =>
      request(t.url).put(`/api/chat/messages/${id}/feedback`).set(u.auth).send({ rating });
    expect((await rate(alice, a.body.assistant_message_id as string, 'up')).status).toBe(200);
    expect((await rate(bob, b.body.assistant_message_id as string, 'down')).status).toBe(200);

    const to = new Date(Date.now() + 1000).toISOString();
    const token = await adminToken(t);
    // The failed send is counted beside the send, not awaited by it.
    const res = await eventually('the failed send counted', async () => {
      const r = await analytics(t, token, { from, to, bucket: 'hour' });
      return r.status !== 200 || r.body.totals?.errors ? r : undefined;
    });
    expect(res.status).toBe(200);
    const { body } = res;
    expect(body).toMatchObject({ from, to, bucket: 'hour', conversations_visible: false });
    expect(body.totals).toMatchObject({
      // Five questions stored (the failed one too) and four answers.
      messages: 9,
      questions: 5,
      answers: 4,
      active_users: 2,
      new_sessions: 2,
      prompt_tokens: 65,
      completion_tokens: 10,
      tokens: 75,
      errors: 1,
      error_rate: 1 / 5,
    });
    for (const k of ['ttft_ms_p50', 'ttft_ms_p95', 'latency_ms_p50', 'latency_ms_p95']) {
      expect(body.totals[k]).toEqual(expect.any(Number));
    }
    expect(body.totals.ttft_ms_p50).toBeLessThanOrEqual(body.totals.ttft_ms_p95);
    expect(body.totals.ttft_ms_p50).toBeLessThanOrEqual(body.totals.latency_ms_p50);
    // One bucket per hour of the range, oldest first; everything happened in the last one or two.
    expect(body.series.length).toBeGreaterThanOrEqual(1);
    expect(body.series[0].at).toBe(from);
    expect(body.series.reduce((n: number, s: { messages: number }) => n + s.messages, 0)).toBe(9);
    expect(body.errors_by_code).toEqual([{ code: 'UPSTREAM_ERROR', count: 1 }]);
    expect(body.feedback).toEqual({ up: 1, down: 1, ratio: 0.5 });
    expect(body.top_sessions).toEqual([
      {
        session_id: a.body.session_id,
        user_id: alice.id,
        messages: 6,
        last_message_at: expect.any(String),
      },
      { session_id: b.body.session_id, user_id: bob.id, messages: 3, last_message_at: expect.any(String) },
    ]);
    // No text, no titles: the conversations are hidden by default.
    expect(JSON.stringify(body)).not.toMatch(/Alice one|Bob one|A1/);
    expectError(
      await request(t.url)
        .get(`/api/admin/sessions/${a.body.session_id as string}/messages`)
        .set(await adminToken(t)),
      403,
      'CONVERSATIONS_HIDDEN',
    );
  });

  it('keeps the numbers after the chat is deleted (they happened), and fills idle days with zeros', async () => {
    const u = await t.user();
    upstream.enqueue({
      kind: 'text',
      text: 'Gone soon.',
      usage: { prompt_tokens: 7, completion_tokens: 3, total_tokens: 10 },
    });
    const sent = await sendJson(t, u.auth, { message: 'Soon deleted' });
    const admin = await adminToken(t);
    const to = new Date(Date.now() + 1000);
    const from = new Date(to.getTime() - 3 * 86_400_000);
    const before = (await analytics(t, admin, { from: from.toISOString(), to: to.toISOString() })).body;
    expect(
      (
        await request(t.url)
          .delete(`/api/chat/sessions/${sent.body.session_id as string}`)
          .set(u.auth)
      ).status,
    ).toBe(204);
    const after = (await analytics(t, admin, { from: from.toISOString(), to: to.toISOString() })).body;
    expect(after.totals).toEqual(before.totals);
    // Days: the one `from` falls in, through today.
    expect(after.series).toHaveLength(4);
    expect(after.series[0]).toMatchObject({ messages: 0, answers: 0, tokens: 0, error_rate: null, ttft_ms_p50: null });
  });

  it('sums closed hours once and keeps the sums; reads latency percentiles from their histograms', async () => {
    const u = await t.user();
    // Three days ago at 10:00 UTC: two questions, four answers, a failed send.
    const day = new Date(Math.floor(Date.now() / 86_400_000) * 86_400_000 - 3 * 86_400_000);
    const at = new Date(day.getTime() + 10 * 3_600_000 + 60_000).toISOString();
    await t.db.query(
      `insert into public.chat_activity (at, kind, user_id, prompt_tokens, completion_tokens, ttft_ms, latency_ms, code)
       values ($1, 'question', $2, null, null, null, null, null), ($1, 'question', $2, null, null, null, null, null),
              ($1, 'answer', $2, 100, 10, 100, 1000, null), ($1, 'answer', $2, 100, 10, 200, 2000, null),
              ($1, 'answer', $2, 100, 10, 300, 3000, null), ($1, 'answer', $2, 100, 10, 4000, 40000, null),
              ($1, 'error', $2, null, null, null, null, 'UPSTREAM_TIMEOUT')`,
      [at, u.id],
    );
    const admin = await adminToken(t);
    const range = { from: day.toISOString(), to: new Date(day.getTime() + 86_400_000).toISOString() };
    const first = (await analytics(t, admin, range)).body;
    expect(first.series).toHaveLength(1);
    expect(first.totals).toMatchObject({ questions: 2, answers: 4, errors: 1, prompt_tokens: 400, tokens: 440 });
    expect(first.errors_by_code).toEqual([{ code: 'UPSTREAM_TIMEOUT', count: 1 }]);
    // The exact median first-token time is 200-300 ms; the histogram's bins are 25% wide.
    expect(first.totals.ttft_ms_p50).toBeGreaterThanOrEqual(160);
    expect(first.totals.ttft_ms_p50).toBeLessThanOrEqual(375);
    expect(first.totals.latency_ms_p95).toBeGreaterThanOrEqual(32_000);
    expect(first.totals.latency_ms_p95).toBeLessThanOrEqual(50_000);
    const { rows } = await t.db.query<{ answers: number }>(
      'select answers from public.chat_activity_hours where hour = $1',
      [new Date(day.getTime() + 10 * 3_600_000)],
    );
    expect(rows).toEqual([{ answers: 4 }]);
    // The hour's sums stay when its rows go (a deleted user's activity): the site's history holds.
    await t.db.query('delete from public.chat_activity where at = $1', [at]);
    const second = (await analytics(t, admin, range)).body;
    expect(second.totals).toMatchObject({ questions: 2, answers: 4, errors: 1, tokens: 440 });
  });

  it('refuses a backwards range and one too long for its buckets', async () => {
    const admin = await adminToken(t);
    const now = Date.now();
    const iso = (ms: number) => new Date(ms).toISOString();
    expectError(await analytics(t, admin, { from: iso(now), to: iso(now - 1000) }), 400, 'VALIDATION_FAILED', 'from');
    expectError(
      await analytics(t, admin, { from: iso(now - 40 * 86_400_000), to: iso(now), bucket: 'hour' }),
      400,
      'VALIDATION_FAILED',
      'from',
    );
    expectError(await analytics(t, admin, { bucket: 'week' }), 400, 'VALIDATION_FAILED', 'bucket');
    expectError(await analytics(t, admin, { from: 'yesterday' }), 400, 'VALIDATION_FAILED', 'from');
  });
});

describe(`analytics with ADMIN_CAN_READ_CONVERSATIONS=true (${TEST_DB})`, () => {
  const { t, upstream } = useChatApp({ PULSE_ADMIN_KEY: ADMIN_KEY, ADMIN_CAN_READ_CONVERSATIONS: 'true' });

  it("shows the top sessions' titles and a session's messages", async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', text: 'Shown to admins.' });
    const sent = await sendJson(t, u.auth, { message: 'Where is my order?' });
    const admin = await adminToken(t);
    const body = (await analytics(t, admin)).body;
    expect(body.conversations_visible).toBe(true);
    expect(body.top_sessions).toEqual([
      expect.objectContaining({ session_id: sent.body.session_id, title: 'Where is my order?' }),
    ]);
    const conversation = await request(t.url)
      .get(`/api/admin/sessions/${sent.body.session_id as string}/messages`)
      .set(admin);
    expect(conversation.status).toBe(200);
    expect(conversation.body.messages.map((m: { role: string; content: string }) => [m.role, m.content])).toEqual([
      ['user', 'Where is my order?'],
      ['assistant', 'Shown to admins.'],
    ]);
    // Still never for a visitor, even the session's owner.
    expectError(
      await request(t.url)
        .get(`/api/admin/sessions/${sent.body.session_id as string}/messages`)
        .set(u.auth),
      403,
      'ADMIN_REQUIRED',
    );
  });
});
