import { createSession, messagesInDb, sendJson, storedMessages, type Auth } from './support/chat.js';
import { useChatApp, useTestApp } from './support/test-app.js';

const SYSTEM = 'You are the Pulse e2e assistant.';
const MODEL = 'pulse-e2e-model';

describe('POST /api/chat/send (JSON, openai provider)', () => {
  const { t, upstream } = useChatApp(
    {
      OPENAI_MODEL: MODEL,
      MAX_CONTEXT_MESSAGES: '4',
      DEFAULT_SYSTEM_PROMPT: SYSTEM,
    },
    { apiKey: 'sk-e2e' },
  );

  const lastUpstreamBody = () => upstream.requests.at(-1)!.body;

  it('creates a titled session, answers with the upstream text and stores both messages with metadata', async () => {
    const u = await t.user();
    const usage = { prompt_tokens: 21, completion_tokens: 5, total_tokens: 26 };
    upstream.enqueue({ kind: 'text', text: 'Paris is the capital of France.', usage });

    const { status, body } = await sendJson(t, u.auth, { message: 'What is the capital of France?\nAsk briefly.' });

    expect(status).toBe(200);
    expect(body).toEqual({
      response: 'Paris is the capital of France.',
      session_id: expect.any(String),
      title: 'What is the capital of France?',
      created_session: true,
      user_message_id: expect.any(String),
      assistant_message_id: expect.any(String),
      finish_reason: 'stop',
      interrupted: false,
      usage,
      provider: 'openai',
      model: MODEL,
      replayed: false,
    });
    expect(upstream.requests).toHaveLength(1);
    expect(upstream.requests[0].headers.authorization).toBe('Bearer sk-e2e');
    expect(lastUpstreamBody().model).toBe(MODEL);

    const messages = await storedMessages(t, u.auth, body.session_id);
    expect(messages.map((m) => [m.seq, m.role, m.id, m.content])).toEqual([
      [1, 'user', body.user_message_id, 'What is the capital of France?\nAsk briefly.'],
      [2, 'assistant', body.assistant_message_id, 'Paris is the capital of France.'],
    ]);
    expect(messages[1].metadata).toEqual(
      expect.objectContaining({
        provider: 'openai',
        model: MODEL,
        usage,
        finish_reason: 'stop',
        reply_to: body.user_message_id,
        latency_ms: expect.any(Number),
      }),
    );
    expect(messages[1].metadata.interrupted).toBeUndefined();
  });

  it('continues a session given its session_id, with the earlier turn in the context', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', text: 'Nice to meet you, Ada.' });
    const first = (await sendJson(t, u.auth, { message: 'My name is Ada.' })).body;
    upstream.enqueue({ kind: 'text', text: 'Your name is Ada.' });

    const { status, body } = await sendJson(t, u.auth, { message: 'What is my name?', session_id: first.session_id });

    expect(status).toBe(200);
    expect(body).toEqual(
      expect.objectContaining({ session_id: first.session_id, created_session: false, response: 'Your name is Ada.' }),
    );
    expect(lastUpstreamBody().messages).toEqual([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Nice to meet you, Ada.' },
      { role: 'user', content: 'What is my name?' },
    ]);
    const messages = await storedMessages(t, u.auth, first.session_id);
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(messages[3].metadata.reply_to).toBe(body.user_message_id);
  });

  it('sends the system prompt and exactly the last MAX_CONTEXT_MESSAGES turns, then the new message', async () => {
    const u = await t.user();
    let sessionId: string | undefined;
    for (let turn = 1; turn <= 3; turn += 1) {
      upstream.enqueue({ kind: 'text', text: `answer ${turn}` });
      const { body } = await sendJson(t, u.auth, { message: `question ${turn}`, session_id: sessionId });
      sessionId = body.session_id;
    }
    upstream.enqueue({ kind: 'text', text: 'answer 4' });

    await sendJson(t, u.auth, { message: 'question 4', session_id: sessionId });

    expect(lastUpstreamBody().messages).toEqual([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: 'question 2' },
      { role: 'assistant', content: 'answer 2' },
      { role: 'user', content: 'question 3' },
      { role: 'assistant', content: 'answer 3' },
      { role: 'user', content: 'question 4' },
    ]);
  });

  it("uses the request's system prompt over the session's, and the session's over the default", async () => {
    const u = await t.user();
    const sessionId = await createSession(t, u.auth, { title: 'Pirate', system_prompt: 'Talk like a pirate.' });
    const systemSent = () => lastUpstreamBody().messages[0];

    await sendJson(t, u.auth, { message: 'hi', session_id: sessionId });
    expect(systemSent()).toEqual({ role: 'system', content: 'Talk like a pirate.' });

    await sendJson(t, u.auth, { message: 'hi again', session_id: sessionId, system_prompt: 'Answer in haiku.' });
    expect(systemSent()).toEqual({ role: 'system', content: 'Answer in haiku.' });

    await sendJson(t, u.auth, { message: 'and once more', session_id: sessionId });
    expect(systemSent()).toEqual({ role: 'system', content: 'Talk like a pirate.' });

    await sendJson(t, u.auth, { message: 'a fresh session' });
    expect(systemSent()).toEqual({ role: 'system', content: SYSTEM });
  });

  it('forwards temperature and max_tokens, defaulting to 0.7 and 1000', async () => {
    const u = await t.user();
    await sendJson(t, u.auth, { message: 'defaults please' });
    expect(lastUpstreamBody()).toEqual(expect.objectContaining({ temperature: 0.7, max_tokens: 1000 }));

    await sendJson(t, u.auth, { message: 'my own settings', temperature: 0.2, max_tokens: 50 });
    expect(lastUpstreamBody()).toEqual(expect.objectContaining({ temperature: 0.2, max_tokens: 50 }));
  });

  it.each([
    ['temperature above 2', { message: 'hi', temperature: 3 }, 'temperature'],
    ['max_tokens 0', { message: 'hi', max_tokens: 0 }, 'max_tokens'],
    ['an empty message', { message: '' }, 'message'],
    ['a whitespace-only message', { message: ' \n\t ' }, 'message'],
    ['a message over 16000 characters', { message: 'x'.repeat(16001) }, 'message'],
    ['an unknown field', { message: 'hi', model: 'gpt-5' }, 'model'],
    ['a session_id that is not a uuid', { message: 'hi', session_id: 'abc' }, 'session_id'],
  ])('refuses %s with 400 naming the field, storing nothing', async (_name, payload, field) => {
    const u = await t.user();
    const { status, body } = await sendJson(t, u.auth, payload);
    expect(status).toBe(400);
    expect(body).toEqual(expect.objectContaining({ code: 'VALIDATION_FAILED', field }));
    expect(upstream.requests).toHaveLength(0);
    const { rows } = await t.db.query('select 1 from public.chat_sessions where user_id = $1', [u.id]);
    expect(rows).toHaveLength(0);
  });

  it('accepts a message of exactly 16000 characters', async () => {
    const u = await t.user();
    const { status } = await sendJson(t, u.auth, { message: 'x'.repeat(16000) });
    expect(status).toBe(200);
  });

  it("answers 404 SESSION_NOT_FOUND for another user's session and leaves it untouched", async () => {
    const owner = await t.user();
    const stranger = await t.user();
    const { body: first } = await sendJson(t, owner.auth, { message: 'private thoughts' });
    upstream.reset();

    const { status, body } = await sendJson(t, stranger.auth, { message: 'let me in', session_id: first.session_id });

    expect(status).toBe(404);
    expect(body.code).toBe('SESSION_NOT_FOUND');
    expect(upstream.requests).toHaveLength(0);
    expect(await messagesInDb(t, first.session_id)).toHaveLength(2);
  });

  it('answers 404 for an archived session and for one that never existed', async () => {
    const u = await t.user();
    const sessionId = await createSession(t, u.auth, { title: 'Old' });
    const archived = await fetch(`${t.url}/api/chat/sessions/${sessionId}`, {
      method: 'PUT',
      headers: { ...u.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ is_active: false }),
    });
    expect(archived.status).toBe(200);

    const res = await sendJson(t, u.auth, { message: 'hello?', session_id: sessionId });
    expect([res.status, res.body.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect(await messagesInDb(t, sessionId)).toHaveLength(0);

    const missing = await sendJson(t, u.auth, {
      message: 'hello?',
      session_id: '00000000-0000-4000-8000-000000000000',
    });
    expect([missing.status, missing.body.code]).toEqual([404, 'SESSION_NOT_FOUND']);
    expect(upstream.requests).toHaveLength(0);
  });

  it('keeps one session in order when two sends to it arrive at once', async () => {
    const u = await t.user();
    const sessionId = await createSession(t, u.auth, { title: 'Race' });
    // Slow answers, so the second request arrives while the first is still being answered.
    upstream.enqueue({ kind: 'text', text: 'first answer', firstTokenDelayMs: 150 });
    upstream.enqueue({ kind: 'text', text: 'second answer', firstTokenDelayMs: 150 });

    const [a, b] = await Promise.all([
      sendJson(t, u.auth, { message: 'question A', session_id: sessionId }),
      sendJson(t, u.auth, { message: 'question B', session_id: sessionId }),
    ]);

    expect([a.status, b.status]).toEqual([200, 200]);
    const messages = await storedMessages(t, u.auth, sessionId);
    expect(messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(messages.map((m) => m.role)).toEqual(['user', 'assistant', 'user', 'assistant']);
    expect(messages[1].metadata.reply_to).toBe(messages[0].id);
    expect(messages[3].metadata.reply_to).toBe(messages[2].id);
    // Each answer is stored right after the question it answers, whichever request won the race.
    for (const r of [a.body, b.body]) {
      const q = messages.find((m) => m.id === r.user_message_id)!;
      const ans = messages.find((m) => m.id === r.assistant_message_id)!;
      expect(ans.seq).toBe(q.seq + 1);
      expect(ans.content).toBe(r.response);
    }
    // The later of the two was answered with the earlier exchange in its memory.
    expect(upstream.requests[1].body.messages).toEqual([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: messages[0].content },
      { role: 'assistant', content: messages[1].content },
      { role: 'user', content: messages[2].content },
    ]);
  });
});

describe('POST /api/chat/send with the offline demo provider', () => {
  const t = useTestApp({ AI_PROVIDER: 'demo' });
  let auth: Auth;
  beforeAll(async () => {
    auth = (await t.user()).auth;
  });

  it('answers offline, says it is the demo, and remembers the first message', async () => {
    const first = await sendJson(t, auth, { message: 'Remember the word marmalade.' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual(
      expect.objectContaining({ provider: 'demo', model: 'pulse-demo', finish_reason: 'stop', created_session: true }),
    );
    expect(first.body.response).toMatch(/offline demo/i);
    expect(first.body.response).toContain('Remember the word marmalade.');

    const second = await sendJson(t, auth, { message: 'What did I ask first?', session_id: first.body.session_id });
    expect(second.status).toBe(200);
    expect(second.body.response).toContain('You said earlier: “Remember the word marmalade.”');
    expect(second.body.response).toContain('What did I ask first?');

    const stored = await storedMessages(t, auth, first.body.session_id);
    expect(stored.map((m) => m.content)).toEqual([
      'Remember the word marmalade.',
      first.body.response,
      'What did I ask first?',
      second.body.response,
    ]);
    expect(stored[3].metadata).toEqual(expect.objectContaining({ provider: 'demo', model: 'pulse-demo' }));
  });
});
