import { jest } from '@jest/globals';
import request from 'supertest';
import { type Auth, sendJson } from './support/chat.js';
import { expectError } from './support/errors.js';
import { TEST_DB, useChatApp } from './support/test-app.js';

jest.setTimeout(60_000);

const USAGE = { prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 };

/** The next midnight UTC, as the API writes it. */
function nextMidnight(): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1))
    .toISOString()
    .replace('.000Z', 'Z');
}

const usageOf = async (url: string, auth: Auth) => {
  const res = await request(url).get('/api/usage').set(auth);
  expect(res.status).toBe(200);
  return res.body;
};

describe(`usage per user per day (${TEST_DB})`, () => {
  const { t, upstream } = useChatApp();

  it("counts questions, answers and the provider's tokens, for the caller alone", async () => {
    const u = await t.user();
    const other = await t.user();
    upstream.enqueue({ kind: 'text', text: 'One.', usage: USAGE });
    const first = await sendJson(t, u.auth, { message: 'First?' });
    expect(first.status).toBe(200);
    upstream.enqueue({
      kind: 'text',
      text: 'Two.',
      usage: { prompt_tokens: 40, completion_tokens: 7, total_tokens: 47 },
    });
    expect((await sendJson(t, u.auth, { message: 'Second?', session_id: first.body.session_id })).status).toBe(200);

    const usage = await usageOf(t.url, u.auth);
    const today = new Date().toISOString().slice(0, 10);
    const counted = { day: today, messages: 2, answers: 2, prompt_tokens: 61, completion_tokens: 12, total_tokens: 73 };
    expect(usage).toEqual({
      today: counted,
      days: [counted],
      quota: {
        messages_per_day: 0,
        tokens_per_day: 0,
        messages_left: null,
        tokens_left: null,
        resets_at: nextMidnight(),
      },
    });
    // Another user's reading is theirs alone.
    expect((await usageOf(t.url, other.auth)).today).toEqual({
      day: today,
      messages: 0,
      answers: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
      total_tokens: 0,
    });
  });

  it('counts the tokens with the tokenizer when the provider reports none, and says so in the metadata', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', text: 'An answer of a few words without usage figures.', usage: null });
    const res = await sendJson(t, u.auth, { message: 'Count me?' });
    expect(res.status).toBe(200);
    expect(res.body.usage).toBeNull();
    const { rows } = await t.db.query<{ metadata: Record<string, unknown> }>(
      'select metadata from public.chat_messages where id = $1',
      [res.body.assistant_message_id],
    );
    const { usage, usage_counted } = rows[0].metadata as {
      usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
      usage_counted: boolean;
    };
    expect(usage_counted).toBe(true);
    // "An answer of a few words without usage figures." is 10 tokens in cl100k_base.
    expect(usage.completion_tokens).toBe(10);
    expect(usage.prompt_tokens).toBeGreaterThan(3);
    const today = (await usageOf(t.url, u.auth)).today;
    expect(today).toMatchObject({ answers: 1, prompt_tokens: usage.prompt_tokens, completion_tokens: 10 });
  });

  it('needs a token', async () => {
    expectError(await request(t.url).get('/api/usage'), 401, 'UNAUTHORIZED');
  });
});

describe(`daily message quota (${TEST_DB})`, () => {
  const { t, upstream } = useChatApp({ QUOTA_MESSAGES_PER_DAY: '3' });

  it('answers the quota, then refuses with 429 QUOTA_EXCEEDED and its reset, storing nothing and asking no model', async () => {
    const u = await t.user();
    let session: string | undefined;
    for (let i = 0; i < 3; i++) {
      upstream.enqueue({ kind: 'text', text: `Answer ${i}.`, usage: USAGE });
      const res = await sendJson(t, u.auth, { message: `Question ${i}?`, ...(session ? { session_id: session } : {}) });
      expect(res.status).toBe(200);
      session = res.body.session_id as string;
    }
    const asked = upstream.requests.length;
    const res = await fetch(`${t.url}/api/chat/send`, {
      method: 'POST',
      headers: { ...u.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message: 'One too many?', session_id: session }),
    });
    const body = (await res.json()) as { message: string };
    expect(res.status).toBe(429);
    expect(body).toMatchObject({ code: 'QUOTA_EXCEEDED', quota: 'messages', limit: 3, resets_at: nextMidnight() });
    expect(body.message).toMatch(/3 messages allowed per day/);
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect(upstream.requests.length).toBe(asked);
    const { rows } = await t.db.query<{ n: number }>(
      'select count(*)::int as n from public.chat_messages where session_id = $1',
      [session],
    );
    expect(rows[0].n).toBe(6);
    expect((await usageOf(t.url, u.auth)).quota).toMatchObject({ messages_per_day: 3, messages_left: 0 });

    // A new session is refused the same way, and creates no session.
    const fresh = await sendJson(t, u.auth, { message: 'And here?' });
    expect(fresh.status).toBe(429);
    const sessions = await t.db.query<{ n: number }>(
      'select count(*)::int as n from public.chat_sessions where user_id = $1',
      [u.id],
    );
    expect(sessions.rows[0].n).toBe(1);
  });

  it('counts a regenerate as a question', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', text: 'First.' });
    const first = await sendJson(t, u.auth, { message: 'Q?' });
    const post = (path: string) =>
      request(t.url).post(`/api/chat/sessions/${first.body.session_id}/messages/${path}`).set(u.auth).send({});
    upstream.enqueue({ kind: 'text', text: 'Again.' });
    expect((await post(`${first.body.assistant_message_id}/regenerate`)).status).toBe(200);
    upstream.enqueue({ kind: 'text', text: 'And again.' });
    expect((await post(`${first.body.assistant_message_id}/regenerate`)).status).toBe(200);
    const refused = await post(`${first.body.assistant_message_id}/regenerate`);
    expectError(refused, 429, 'QUOTA_EXCEEDED');
    expect((await usageOf(t.url, u.auth)).today).toMatchObject({ messages: 3, answers: 3 });
  });

  it('is exact under concurrent sends: of 10 at once, exactly 3 are answered', async () => {
    const u = await t.user();
    for (let i = 0; i < 10; i++) upstream.enqueue({ kind: 'text', text: `Concurrent ${i}.`, chunkDelayMs: 5 });
    const asked = upstream.requests.length;
    const results = await Promise.all(
      Array.from({ length: 10 }, (_, i) => sendJson(t, u.auth, { message: `At once ${i}?` })),
    );
    const statuses = results.map((r) => r.status).sort((a, b) => a - b);
    expect(statuses).toEqual([200, 200, 200, 429, 429, 429, 429, 429, 429, 429]);
    expect(results.filter((r) => r.status === 429).every((r) => r.body.code === 'QUOTA_EXCEEDED')).toBe(true);
    expect(upstream.requests.length - asked).toBe(3);
    expect((await usageOf(t.url, u.auth)).today).toMatchObject({ messages: 3, answers: 3 });
  });
});

describe(`daily token quota (${TEST_DB})`, () => {
  const { t, upstream } = useChatApp({ QUOTA_TOKENS_PER_DAY: '50' });

  it('answers while the day is under the quota, then refuses with quota: tokens', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', text: 'A.', usage: USAGE });
    const first = await sendJson(t, u.auth, { message: 'Q1?' });
    expect(first.status).toBe(200);
    // 26 used, under 50: the next is answered and takes the day to 52.
    upstream.enqueue({ kind: 'text', text: 'B.', usage: USAGE });
    expect((await sendJson(t, u.auth, { message: 'Q2?', session_id: first.body.session_id })).status).toBe(200);
    const refused = await sendJson(t, u.auth, { message: 'Q3?', session_id: first.body.session_id });
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({ code: 'QUOTA_EXCEEDED', quota: 'tokens', limit: 50 });
    expect((await usageOf(t.url, u.auth)).quota).toMatchObject({ tokens_per_day: 50, tokens_left: 0 });
  });
});
