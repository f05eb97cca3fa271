import { eventually } from '@pulse/testkit';
import { BackgroundJobs } from '../src/memory/background-jobs.js';
import { MESSAGE_TOKENS, REPLY_TOKENS, summaryMessage } from '../src/memory/context-budget.js';
import { loadTokenCounter, type CountTokens } from '../src/memory/token-counter.js';
import { streamSend } from './support/answers.js';
import { sendJson, storedMessages, type Auth } from './support/chat.js';
import { TEST_DB, useChatApp } from './support/test-app.js';

const SYSTEM = 'You are the Pulse memory e2e assistant.';
const CHAT_MODEL = 'chat-model';
const SUMMARY_MODEL = 'summary-model';

/** What a prompt costs by the app's own rule: the texts with the tokenizer, plus the framing. */
const promptTokens = (count: CountTokens, texts: string[]) =>
  texts.reduce((sum, text) => sum + count(text) + MESSAGE_TOKENS, REPLY_TOKENS);

describe(`memory: running summaries (${TEST_DB})`, () => {
  const { t, upstream } = useChatApp({
    OPENAI_MODEL: CHAT_MODEL,
    DEFAULT_SYSTEM_PROMPT: SYSTEM,
    MAX_CONTEXT_MESSAGES: '4',
    CONTEXT_SUMMARY: 'true',
    SUMMARY_MODEL,
  });
  let count: CountTokens;
  beforeAll(async () => {
    count = await loadTokenCounter();
  });

  const jobsDone = () => t.app.get(BackgroundJobs).idle();
  const bodiesFor = (model: string) => upstream.requests.filter((r) => r.body.model === model).map((r) => r.body);

  /** One JSON exchange `q<n>` / `a<n>`; returns the session id. */
  async function exchange(auth: Auth, n: number, sessionId?: string): Promise<string> {
    upstream.enqueue({ kind: 'text', text: `a${n}`, forModel: CHAT_MODEL });
    const { status, body } = await sendJson(t, auth, { message: `q${n}`, session_id: sessionId });
    expect(status).toBe(200);
    return body.session_id as string;
  }

  const summariesOf = async (sessionId: string) =>
    (
      await t.db.query<{ through_message_id: string; content: string; tokens: number }>(
        'select through_message_id, content, tokens from public.chat_summaries where session_id = $1 order by created_at',
        [sessionId],
      )
    ).rows;

  it('folds the turns that fell out into a summary after the answer, uses it next time, and refreshes it incrementally', async () => {
    const u = await t.user();
    let sid = await exchange(u.auth, 1);
    await exchange(u.auth, 2, sid);
    await jobsDone();
    // Four turns fit the window of four: nothing falls out, the model is not asked for a summary.
    expect(bodiesFor(SUMMARY_MODEL)).toHaveLength(0);

    upstream.enqueue({ kind: 'text', text: 'The user asked q1 and q2.', forModel: SUMMARY_MODEL });
    sid = await exchange(u.auth, 3, sid);
    await jobsDone();
    const [summaryRequest] = bodiesFor(SUMMARY_MODEL);
    expect(summaryRequest.messages[0].role).toBe('system');
    expect(summaryRequest.messages[1].content).toBe(
      'Current summary:\n(none yet)\n\nNew messages:\nUser: q1\n\nAssistant: a1\n\nUser: q2\n\nAssistant: a2',
    );
    let stored = await storedMessages(t, u.auth, sid);
    const a2 = stored[3];
    expect(await summariesOf(sid)).toEqual([
      { through_message_id: a2.id, content: 'The user asked q1 and q2.', tokens: count('The user asked q1 and q2.') },
    ]);

    // The next send: the summary stands for q1..a2, the turns after it go word for word. The
    // summary it makes afterwards (scripted here, before it is asked for) comes further down.
    upstream.enqueue({ kind: 'text', text: 'q1 to q3 asked.', forModel: SUMMARY_MODEL });
    await exchange(u.auth, 4, sid);
    const chat = bodiesFor(CHAT_MODEL).at(-1);
    expect(chat.messages).toEqual([
      { role: 'system', content: SYSTEM },
      summaryMessage('The user asked q1 and q2.'),
      { role: 'user', content: 'q3' },
      { role: 'assistant', content: 'a3' },
      { role: 'user', content: 'q4' },
    ]);
    stored = await storedMessages(t, u.auth, sid);
    expect(stored.at(-1)!.metadata.context).toEqual({
      messages: 3,
      tokens: promptTokens(
        count,
        chat.messages.map((m: { content: string }) => m.content),
      ),
      summary: true,
    });

    // That summary no longer serves the send after: a new one builds on it with q3/a3 only.
    await jobsDone();
    const second = bodiesFor(SUMMARY_MODEL)[1];
    expect(second.messages[1].content).toBe(
      'Current summary:\nThe user asked q1 and q2.\n\nNew messages:\nUser: q3\n\nAssistant: a3',
    );
    expect((await summariesOf(sid)).map((s) => s.through_message_id)).toEqual([a2.id, stored[5].id]);
    await exchange(u.auth, 5, sid);
    expect(bodiesFor(CHAT_MODEL).at(-1).messages.slice(1, 3)).toEqual([
      summaryMessage('q1 to q3 asked.'),
      { role: 'user', content: 'q4' },
    ]);
    await jobsDone();
  });

  it('a failing summary call only logs: the answers go on without a summary', async () => {
    const u = await t.user();
    const sid = await exchange(u.auth, 1);
    await exchange(u.auth, 2, sid);
    upstream.enqueue({ kind: 'error', status: 500, forModel: SUMMARY_MODEL });
    await exchange(u.auth, 3, sid);
    await jobsDone();
    expect(await summariesOf(sid)).toEqual([]);
    // pino writes its lines a moment later.
    await eventually('the failed summary logged', () => t.logs.join('').includes('Background summary failed'));

    await exchange(u.auth, 4, sid);
    const stored = await storedMessages(t, u.auth, sid);
    expect(stored.at(-1)!.metadata.context).toEqual(expect.objectContaining({ messages: 5, summary: false }));
    // The fold after q4 runs on: left going, it would take the next test's scripted summary.
    await jobsDone();
  });

  it('a summary belongs to its session: clearing the chat removes it', async () => {
    const u = await t.user();
    const sid = await exchange(u.auth, 1);
    await exchange(u.auth, 2, sid);
    upstream.enqueue({ kind: 'text', text: 'Short summary.', forModel: SUMMARY_MODEL });
    await exchange(u.auth, 3, sid);
    await jobsDone();
    expect(await summariesOf(sid)).toHaveLength(1);
    const res = await fetch(`${t.url}/api/chat/sessions/${sid}/clear`, { method: 'POST', headers: u.auth });
    expect(res.status).toBeLessThan(300);
    expect(await summariesOf(sid)).toEqual([]);
  });

  // Last: the hanging summary call it leaves behind would hold up jobsDone() until CHAT_TIMEOUT.
  it('never delays an answer: the next one streams while the summary call is still pending', async () => {
    const u = await t.user();
    const sid = await exchange(u.auth, 1);
    await exchange(u.auth, 2, sid);
    upstream.enqueue({ kind: 'hang', forModel: SUMMARY_MODEL });
    await exchange(u.auth, 3, sid);
    // The summary is folded in the background after the answer is stored: the next question is
    // sent once its model call is under way (it hangs), not merely after the answer.
    await eventually('the summary requested', () => bodiesFor(SUMMARY_MODEL).length === 1);

    upstream.enqueue({ kind: 'text', chunks: ['Still ', 'here.'], chunkDelayMs: 20, forModel: CHAT_MODEL });
    const s = await streamSend(t.url, u.auth, { message: 'q4', session_id: sid });
    await s.until((x) => x.text().length > 0);
    // The summary request has not come back: nothing is stored yet.
    expect(bodiesFor(SUMMARY_MODEL)).toHaveLength(1);
    expect(await summariesOf(sid)).toEqual([]);
    await s.done;
    expect(s.text()).toBe('Still here.');
    const stored = await storedMessages(t, u.auth, sid);
    expect(stored.at(-1)!.metadata.context).toEqual(expect.objectContaining({ messages: 5, summary: false }));
  });
});
