import { MESSAGE_TOKENS, REPLY_TOKENS } from '../src/memory/context-budget.js';
import { loadTokenCounter, type CountTokens } from '../src/memory/token-counter.js';
import { sendJson, storedMessages } from './support/chat.js';
import { TEST_DB, useChatApp } from './support/test-app.js';

const SYSTEM = 'You are the Pulse memory e2e assistant.';
const CHAT_MODEL = 'chat-model';

/** What a prompt costs by the app's own rule: the texts with the tokenizer, plus the framing. */
const promptTokens = (count: CountTokens, texts: string[]) =>
  texts.reduce((sum, text) => sum + count(text) + MESSAGE_TOKENS, REPLY_TOKENS);

describe(`context: the token budget (${TEST_DB})`, () => {
  const MAX = 120;
  const { t, upstream } = useChatApp({
    OPENAI_MODEL: CHAT_MODEL,
    DEFAULT_SYSTEM_PROMPT: SYSTEM,
    MAX_CONTEXT_MESSAGES: '10',
    MAX_CONTEXT_TOKENS: String(MAX),
  });
  let count: CountTokens;
  beforeAll(async () => {
    count = await loadTokenCounter();
  });

  const chatBodies = () => upstream.requests.filter((r) => r.body.model === CHAT_MODEL).map((r) => r.body);

  it('leaves out the oldest turns so the prompt fits MAX_CONTEXT_TOKENS, and says so in the metadata', async () => {
    const u = await t.user();
    // Each exchange costs about 40 tokens with framing: three of them and a question do not fit in 120.
    const long = (n: number) => `Question ${n}: ${'tell me more about the weather '.repeat(3).trim()}`;
    let sessionId: string | undefined;
    for (let n = 1; n <= 3; n++) {
      upstream.enqueue({ kind: 'text', text: `Answer ${n}: it is sunny and warm today.`, forModel: CHAT_MODEL });
      const { status, body } = await sendJson(t, u.auth, { message: long(n), session_id: sessionId });
      expect(status).toBe(200);
      sessionId = body.session_id;
    }
    upstream.enqueue({ kind: 'text', text: 'Answer 4.', forModel: CHAT_MODEL });
    const { body } = await sendJson(t, u.auth, { message: 'And tomorrow?', session_id: sessionId });

    const sent = chatBodies().at(-1).messages as { role: string; content: string }[];
    const texts = sent.map((m) => m.content);
    // The system prompt first and the question last, always; the newest turns between, oldest gone.
    expect(texts[0]).toBe(SYSTEM);
    expect(texts.at(-1)).toBe('And tomorrow?');
    expect(texts).not.toContain(long(1));
    expect(texts.slice(-3)).toEqual([long(3), 'Answer 3: it is sunny and warm today.', 'And tomorrow?']);
    const tokens = promptTokens(count, texts);
    expect(tokens).toBeLessThanOrEqual(MAX);
    // One more turn (the next older one) would not have fitted.
    const older = (await storedMessages(t, u.auth, sessionId!)).at(-2 - sent.length);
    expect(tokens + count(older!.content) + MESSAGE_TOKENS).toBeGreaterThan(MAX);

    const stored = await storedMessages(t, u.auth, body.session_id);
    expect(stored.at(-1)!.metadata.context).toEqual({ messages: sent.length - 1, tokens, summary: false });
  });

  it('still sends a question that alone is over the budget, with the system prompt', async () => {
    const u = await t.user();
    const huge = 'word '.repeat(400).trim();
    upstream.enqueue({ kind: 'text', text: 'First.', forModel: CHAT_MODEL });
    const first = await sendJson(t, u.auth, { message: 'Hello' });
    upstream.enqueue({ kind: 'text', text: 'That was long.', forModel: CHAT_MODEL });
    const { status, body } = await sendJson(t, u.auth, { message: huge, session_id: first.body.session_id });

    expect(status).toBe(200);
    expect(chatBodies().at(-1).messages).toEqual([
      { role: 'system', content: SYSTEM },
      { role: 'user', content: huge },
    ]);
    const stored = await storedMessages(t, u.auth, body.session_id);
    expect(stored.at(-1)!.metadata.context).toEqual({
      messages: 1,
      tokens: promptTokens(count, [SYSTEM, huge]),
      summary: false,
    });
  });
});
