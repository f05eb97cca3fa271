import { jest } from '@jest/globals';
import { startOpenAIUpstream, type OpenAIUpstream } from '@pulse/testkit';
import request from 'supertest';
import { ToolWaitsJanitor } from '../src/tools/tool-waits.janitor.js';
import { type Auth, resumeStream, stopAnswer, streamPost, streamSend } from './support/answers.js';
import { sendJson } from './support/chat.js';
import { expectError } from './support/errors.js';
import { createTestDatabase } from './support/test-database.js';
import { startTestApp, TEST_DB, type TestApp, useChatApp } from './support/test-app.js';

jest.setTimeout(60_000);

const CART = {
  name: 'add_to_cart',
  description: "Add a product from this shop to the visitor's cart",
  parameters: {
    type: 'object',
    properties: {
      product: { type: 'string', enum: ['mug', 't-shirt', 'poster'] },
      color: { type: 'string' },
      quantity: { type: 'integer', minimum: 1, maximum: 20 },
    },
    required: ['product', 'quantity'],
    additionalProperties: false,
  },
};
const SHOW = {
  name: 'show_product',
  description: 'Show a product on the page',
  parameters: { type: 'object', properties: { product: { type: 'string' } }, required: ['product'] },
};
const TWO_BLUE_MUGS = { product: 'mug', color: 'blue', quantity: 2 };

type Part = Record<string, unknown> & { type: string };
const ofType = (parts: Part[], type: string) => parts.filter((p) => p.type === type);

interface Stored {
  content: string;
  metadata: { tool_calls?: Array<Record<string, unknown>>; awaiting_tool_results?: boolean; usage?: unknown };
}
const stored = async (t: TestApp, id: string): Promise<Stored> =>
  (await t.db.query<Stored>('select content, metadata from public.chat_messages where id = $1', [id])).rows[0];
const waitCount = async (t: TestApp, id: string) =>
  (await t.db.query<{ n: number }>('select count(*)::int as n from public.chat_tool_waits where message_id = $1', [id]))
    .rows[0].n;

const postResults = (t: TestApp, auth: Auth, sessionId: string, body: unknown) =>
  streamPost(t.url, `/api/chat/sessions/${sessionId}/tool-results`, auth, body);

/** A streamed send whose model calls `calls`; resolves once the stream ended, with its ids. */
async function sendCalling(
  t: TestApp,
  upstream: OpenAIUpstream,
  auth: Auth,
  calls: Array<{ id: string; name: string; arguments: unknown }>,
  tools: unknown[] = [CART, SHOW],
  text = 'Let me do that. ',
) {
  upstream.enqueue({ kind: 'tool_calls', text, calls });
  const s = await streamSend(t.url, auth, { message: 'Add two blue mugs to my cart', tools });
  await s.done;
  const message = ofType(s.parts(), 'data-message')[0]?.data as Record<string, unknown>;
  return {
    s,
    parts: s.parts(),
    sessionId: s.sessionId()!,
    assistantId: message.assistant_message_id as string,
    message,
  };
}

describe(`the host page's tools (${TEST_DB})`, () => {
  const { t, upstream } = useChatApp();

  it('one call: offered to the model, streamed as tool-input parts, run by the page, and the same answer continues', async () => {
    const u = await t.user();
    const { parts, sessionId, assistantId, message } = await sendCalling(t, upstream, u.auth, [
      { id: 'call_1', name: 'add_to_cart', arguments: TWO_BLUE_MUGS },
    ]);
    // The model was offered exactly the page's tools, as OpenAI functions.
    expect(upstream.requests[0].body.tools).toEqual([
      { type: 'function', function: CART },
      { type: 'function', function: SHOW },
    ]);
    expect(ofType(parts, 'tool-input-start')).toEqual([
      { type: 'tool-input-start', toolCallId: 'call_1', toolName: 'add_to_cart', dynamic: true },
    ]);
    expect(
      ofType(parts, 'tool-input-delta')
        .map((p) => p.inputTextDelta)
        .join(''),
    ).toBe(JSON.stringify(TWO_BLUE_MUGS));
    expect(ofType(parts, 'tool-input-available')).toEqual([
      {
        type: 'tool-input-available',
        toolCallId: 'call_1',
        toolName: 'add_to_cart',
        input: TWO_BLUE_MUGS,
        dynamic: true,
      },
    ]);
    expect(message).toMatchObject({ finish_reason: 'tool_calls', awaiting_tool_results: true });
    expect(parts.at(-1)).toEqual({ type: 'finish', finishReason: 'tool-calls' });
    const before = await stored(t, assistantId);
    expect(before.content).toBe('Let me do that. ');
    expect(before.metadata.tool_calls).toEqual([
      {
        id: 'call_1',
        name: 'add_to_cart',
        input: TWO_BLUE_MUGS,
        arguments: JSON.stringify(TWO_BLUE_MUGS),
        state: 'input-available',
        round: 1,
      },
    ]);
    expect(await waitCount(t, assistantId)).toBe(1);

    upstream.enqueue({ kind: 'text', text: 'Two blue mugs are in your cart.' });
    const cont = await postResults(t, u.auth, sessionId, {
      assistant_message_id: assistantId,
      results: [{ tool_call_id: 'call_1', output: { cart: [{ product: 'mug', color: 'blue', quantity: 2 }] } }],
    });
    await cont.done;
    expect(cont.status).toBe(200);
    const next = cont.parts();
    expect(next[0]).toEqual({ type: 'start', messageId: assistantId });
    expect(ofType(next, 'tool-output-available')).toEqual([
      {
        type: 'tool-output-available',
        toolCallId: 'call_1',
        output: { cart: [{ product: 'mug', color: 'blue', quantity: 2 }] },
        dynamic: true,
      },
    ]);
    // The continuation is a step of its own (the AI SDK reads the last step's calls).
    expect(next.findIndex((p) => p.type === 'start-step')).toBe(
      next.findIndex((p) => p.type === 'tool-output-available') + 1,
    );
    expect(cont.text()).toBe('Two blue mugs are in your cart.');
    expect(next.at(-1)).toEqual({ type: 'finish', finishReason: 'stop' });
    // The model read its call and the page's result as the turns after the question.
    const asked = upstream.requests[1].body.messages as Array<Record<string, unknown>>;
    expect(asked.slice(-3)).toEqual([
      { role: 'user', content: 'Add two blue mugs to my cart' },
      {
        role: 'assistant',
        content: 'Let me do that. ',
        tool_calls: [
          {
            id: 'call_1',
            type: 'function',
            function: { name: 'add_to_cart', arguments: JSON.stringify(TWO_BLUE_MUGS) },
          },
        ],
      },
      {
        role: 'tool',
        tool_call_id: 'call_1',
        content: JSON.stringify({ cart: [{ product: 'mug', color: 'blue', quantity: 2 }] }),
      },
    ]);
    const after = await stored(t, assistantId);
    expect(after.content).toBe('Let me do that. Two blue mugs are in your cart.');
    expect(after.metadata.tool_calls).toEqual([
      expect.objectContaining({ id: 'call_1', state: 'output-available', output: { cart: [TWO_BLUE_MUGS] } }),
    ]);
    expect(after.metadata.awaiting_tool_results).toBeUndefined();
    expect(await waitCount(t, assistantId)).toBe(0);
    // One answer in the session, not two.
    const { rows } = await t.db.query<{ n: number }>(
      "select count(*)::int as n from public.chat_messages where session_id = $1 and role = 'assistant'",
      [sessionId],
    );
    expect(rows[0].n).toBe(1);
    // A result again is refused: nothing waits any more.
    const again = await request(t.url)
      .post(`/api/chat/sessions/${sessionId}/tool-results`)
      .set(u.auth)
      .send({ assistant_message_id: assistantId, results: [{ tool_call_id: 'call_1', output: 1 }] });
    expectError(again, 409, 'TOOL_CALL_NOT_PENDING', 'results');
  });

  it('several calls at once: results one by one (202 while one is pending), then the answer continues', async () => {
    const u = await t.user();
    const { sessionId, assistantId } = await sendCalling(t, upstream, u.auth, [
      { id: 'call_a', name: 'add_to_cart', arguments: TWO_BLUE_MUGS },
      { id: 'call_b', name: 'show_product', arguments: { product: 'mug' } },
    ]);
    const first = await request(t.url)
      .post(`/api/chat/sessions/${sessionId}/tool-results`)
      .set(u.auth)
      .send({ assistant_message_id: assistantId, results: [{ tool_call_id: 'call_b', output: { shown: true } }] });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ pending: ['call_a'] });
    upstream.enqueue({ kind: 'text', text: 'Added and shown.' });
    const second = await request(t.url)
      .post(`/api/chat/sessions/${sessionId}/tool-results`)
      .set(u.auth)
      .send({ assistant_message_id: assistantId, results: [{ tool_call_id: 'call_a', output: { ok: true } }] });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({
      response: 'Let me do that. Added and shown.',
      assistant_message_id: assistantId,
      finish_reason: 'stop',
      tool_calls: [
        expect.objectContaining({ id: 'call_a', state: 'output-available', output: { ok: true } }),
        expect.objectContaining({ id: 'call_b', state: 'output-available', output: { shown: true } }),
      ],
    });
    const tools = (upstream.requests.at(-1)!.body.messages as Array<Record<string, unknown>>).filter(
      (m) => m.role === 'tool',
    );
    expect(tools.map((m) => m.tool_call_id)).toEqual(['call_a', 'call_b']);
  });

  it('a tool that throws and one the visitor denies: the model hears both, and the stream says so', async () => {
    const u = await t.user();
    const { sessionId, assistantId } = await sendCalling(t, upstream, u.auth, [
      { id: 'call_x', name: 'add_to_cart', arguments: TWO_BLUE_MUGS },
      { id: 'call_y', name: 'show_product', arguments: { product: 'poster' } },
    ]);
    upstream.enqueue({ kind: 'text', text: 'Sorry, that did not work.' });
    const cont = await postResults(t, u.auth, sessionId, {
      assistant_message_id: assistantId,
      results: [
        { tool_call_id: 'call_x', error: 'The cart is full.' },
        { tool_call_id: 'call_y', denied: true },
      ],
    });
    await cont.done;
    expect(ofType(cont.parts(), 'tool-output-error')).toEqual([
      { type: 'tool-output-error', toolCallId: 'call_x', errorText: 'The cart is full.', dynamic: true },
    ]);
    expect(ofType(cont.parts(), 'tool-output-denied')).toEqual([{ type: 'tool-output-denied', toolCallId: 'call_y' }]);
    const heard = (upstream.requests.at(-1)!.body.messages as Array<Record<string, unknown>>).filter(
      (m) => m.role === 'tool',
    );
    expect(heard.map((m) => JSON.parse(m.content as string))).toEqual([
      { error: 'The cart is full.' },
      { error: 'The visitor denied this action.' },
    ]);
    expect((await stored(t, assistantId)).metadata.tool_calls).toEqual([
      expect.objectContaining({ id: 'call_x', state: 'output-error', error: 'The cart is full.' }),
      expect.objectContaining({ id: 'call_y', state: 'output-denied' }),
    ]);
  });

  it("refuses a call of a tool the page did not register, and arguments that do not fit the tool's schema", async () => {
    const u = await t.user();
    const { parts } = await sendCalling(t, upstream, u.auth, [
      { id: 'call_bad1', name: 'delete_account', arguments: {} },
      { id: 'call_bad2', name: 'add_to_cart', arguments: { product: 'sofa', quantity: 2 } },
      { id: 'call_bad3', name: 'add_to_cart', arguments: '{"product": "mug", ' },
    ]);
    expect(ofType(parts, 'tool-input-available')).toEqual([]);
    expect(ofType(parts, 'tool-input-error').map((p) => [p.toolCallId, p.errorText])).toEqual([
      ['call_bad1', 'There is no tool named delete_account.'],
      ['call_bad2', expect.stringContaining('/product must be equal to one of the allowed values')],
      ['call_bad3', 'The arguments are not valid JSON.'],
    ]);
  });

  it('checks the definitions before anything is stored: size, schema, names, count', async () => {
    const u = await t.user();
    const send = (tools: unknown) => request(t.url).post('/api/chat/send').set(u.auth).send({ message: 'Hi', tools });
    expectError(await send([{ ...CART, name: '1bad name' }]), 400, 'VALIDATION_FAILED', 'tools.0.name');
    expectError(
      await send([{ ...CART, parameters: { type: 'string' } }]),
      400,
      'TOOL_DEFINITION_INVALID',
      'tools[0].parameters',
    );
    expectError(
      await send([{ ...CART, parameters: { type: 'object', properties: { a: { type: 'no-such-type' } } } }]),
      400,
      'TOOL_DEFINITION_INVALID',
      'tools[0].parameters',
    );
    const huge = { type: 'object', description: 'x'.repeat(9000) };
    expectError(await send([{ ...CART, parameters: huge }]), 400, 'TOOL_DEFINITION_INVALID', 'tools[0].parameters');
    let deep: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 12; i++) deep = { type: 'object', properties: { a: deep } };
    expectError(await send([{ ...CART, parameters: deep }]), 400, 'TOOL_DEFINITION_INVALID', 'tools[0].parameters');
    expectError(await send([CART, CART]), 400, 'TOOL_DEFINITION_INVALID', 'tools[1].name');
    const many = Array.from({ length: 17 }, (_, i) => ({ ...SHOW, name: `tool_${i}` }));
    expectError(await send(many), 400, 'TOOL_DEFINITION_INVALID', 'tools');
    const { rows } = await t.db.query<{ n: number }>(
      'select count(*)::int as n from public.chat_sessions where user_id = $1',
      [u.id],
    );
    expect(rows[0].n).toBe(0);
  });

  it('a stop while waiting ends the wait: the calls are stored as stopped, and a late result is refused', async () => {
    const u = await t.user();
    const { sessionId, assistantId } = await sendCalling(t, upstream, u.auth, [
      { id: 'call_s', name: 'add_to_cart', arguments: TWO_BLUE_MUGS },
    ]);
    const stopped = await stopAnswer(t.url, u.auth, sessionId);
    expect(stopped).toEqual({ status: 200, body: { session_id: sessionId, assistant_message_id: assistantId } });
    expect((await stored(t, assistantId)).metadata.tool_calls).toEqual([
      expect.objectContaining({ id: 'call_s', state: 'output-error', error: 'Stopped before the page answered.' }),
    ]);
    expect(await waitCount(t, assistantId)).toBe(0);
    const late = await request(t.url)
      .post(`/api/chat/sessions/${sessionId}/tool-results`)
      .set(u.auth)
      .send({ assistant_message_id: assistantId, results: [{ tool_call_id: 'call_s', output: {} }] });
    expectError(late, 409, 'TOOL_CALL_NOT_PENDING', 'results');
    // Nothing waits now: a second stop has nothing to stop.
    expect((await stopAnswer(t.url, u.auth, sessionId)).status).toBe(204);
  });

  it('a page reloaded while waiting resumes the stream, gets the call again, and its result continues the answer', async () => {
    const u = await t.user();
    const { sessionId, assistantId } = await sendCalling(t, upstream, u.auth, [
      { id: 'call_w', name: 'add_to_cart', arguments: TWO_BLUE_MUGS },
    ]);
    const resumed = await resumeStream(t.url, u.auth, sessionId);
    await resumed.done;
    expect(resumed.status).toBe(200);
    expect(ofType(resumed.parts(), 'tool-input-available')).toEqual([
      expect.objectContaining({ toolCallId: 'call_w', input: TWO_BLUE_MUGS }),
    ]);
    expect(resumed.parts().at(-1)).toEqual({ type: 'finish', finishReason: 'tool-calls' });
    upstream.enqueue({ kind: 'text', text: 'Added after the reload.' });
    const cont = await postResults(t, u.auth, sessionId, {
      assistant_message_id: assistantId,
      results: [{ tool_call_id: 'call_w', output: { ok: true } }],
    });
    await cont.done;
    expect(cont.text()).toBe('Added after the reload.');
  });

  it('a call never answered ends at its deadline: the janitor stores it as failed, a late result is 409', async () => {
    const u = await t.user();
    const { sessionId, assistantId } = await sendCalling(t, upstream, u.auth, [
      { id: 'call_t', name: 'add_to_cart', arguments: TWO_BLUE_MUGS },
    ]);
    // The deadline (TOOL_RESULT_TIMEOUT_SECONDS) passes.
    await t.db.query("update public.chat_tool_waits set deadline = now() - interval '1 second' where message_id = $1", [
      assistantId,
    ]);
    expect(await t.app.get(ToolWaitsJanitor).sweep()).toBe(1);
    expect((await stored(t, assistantId)).metadata).toMatchObject({
      awaiting_tool_results: false,
      tool_calls: [
        expect.objectContaining({ id: 'call_t', state: 'output-error', error: 'The page did not answer in time.' }),
      ],
    });
    const late = await request(t.url)
      .post(`/api/chat/sessions/${sessionId}/tool-results`)
      .set(u.auth)
      .send({ assistant_message_id: assistantId, results: [{ tool_call_id: 'call_t', output: {} }] });
    expectError(late, 409, 'TOOL_CALL_NOT_PENDING', 'results');
  });

  it('a result arriving after the deadline, before the janitor, is 409 TOOL_CALL_EXPIRED and ends the wait', async () => {
    const u = await t.user();
    const { sessionId, assistantId } = await sendCalling(t, upstream, u.auth, [
      { id: 'call_e', name: 'add_to_cart', arguments: TWO_BLUE_MUGS },
    ]);
    await t.db.query("update public.chat_tool_waits set deadline = now() - interval '1 second' where message_id = $1", [
      assistantId,
    ]);
    const late = await request(t.url)
      .post(`/api/chat/sessions/${sessionId}/tool-results`)
      .set(u.auth)
      .send({ assistant_message_id: assistantId, results: [{ tool_call_id: 'call_e', output: {} }] });
    expectError(late, 409, 'TOOL_CALL_EXPIRED', 'results');
    expect(await waitCount(t, assistantId)).toBe(0);
  });

  it("refuses a result too large, one for another user's answer, and one with neither output nor error", async () => {
    const u = await t.user();
    const other = await t.user();
    const { sessionId, assistantId } = await sendCalling(t, upstream, u.auth, [
      { id: 'call_l', name: 'add_to_cart', arguments: TWO_BLUE_MUGS },
    ]);
    const post = (auth: Auth, results: unknown[]) =>
      request(t.url)
        .post(`/api/chat/sessions/${sessionId}/tool-results`)
        .set(auth)
        .send({ assistant_message_id: assistantId, results });
    expectError(
      await post(u.auth, [{ tool_call_id: 'call_l', output: 'x'.repeat(20_000) }]),
      413,
      'TOOL_RESULT_TOO_LARGE',
      'results',
    );
    expectError(await post(u.auth, [{ tool_call_id: 'call_l' }]), 400, 'VALIDATION_FAILED', 'results');
    expectError(await post(other.auth, [{ tool_call_id: 'call_l', output: {} }]), 404, 'SESSION_NOT_FOUND');
    // Still waiting for the owner.
    expect(await waitCount(t, assistantId)).toBe(1);
  });

  it('with JSON sends too: the answer lists its calls, and the results answer with the continued answer', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'tool_calls', calls: [{ id: 'call_j', name: 'add_to_cart', arguments: TWO_BLUE_MUGS }] });
    const sent = await sendJson(t, u.auth, { message: 'Two blue mugs, please', tools: [CART] });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({
      response: '',
      finish_reason: 'tool_calls',
      awaiting_tool_results: true,
      tool_calls: [{ id: 'call_j', name: 'add_to_cart', input: TWO_BLUE_MUGS, state: 'input-available', round: 1 }],
    });
    // The model calls again after the first result: a second round, then its words.
    upstream.enqueue({
      kind: 'tool_calls',
      calls: [{ id: 'call_j2', name: 'add_to_cart', arguments: { product: 'poster', quantity: 1 } }],
    });
    const round2 = await request(t.url)
      .post(`/api/chat/sessions/${sent.body.session_id as string}/tool-results`)
      .set(u.auth)
      .send({
        assistant_message_id: sent.body.assistant_message_id,
        results: [{ tool_call_id: 'call_j', output: { ok: true } }],
      });
    expect(round2.status).toBe(200);
    expect(round2.body).toMatchObject({ awaiting_tool_results: true, finish_reason: 'tool_calls' });
    expect(round2.body.tool_calls.map((c: { id: string; round: number }) => [c.id, c.round])).toEqual([
      ['call_j', 1],
      ['call_j2', 2],
    ]);
    upstream.enqueue({ kind: 'text', text: 'A poster and two mugs.' });
    const done = await request(t.url)
      .post(`/api/chat/sessions/${sent.body.session_id as string}/tool-results`)
      .set(u.auth)
      .send({
        assistant_message_id: sent.body.assistant_message_id,
        results: [{ tool_call_id: 'call_j2', output: { ok: true } }],
      });
    expect(done.body).toMatchObject({ response: 'A poster and two mugs.', finish_reason: 'stop' });
    expect(done.body.awaiting_tool_results).toBeUndefined();
    // The last request carried both rounds, in order.
    const turns = (upstream.requests.at(-1)!.body.messages as Array<Record<string, unknown>>).slice(-4);
    expect(turns.map((m) => [m.role, m.tool_call_id ?? null])).toEqual([
      ['assistant', null],
      ['tool', 'call_j'],
      ['assistant', null],
      ['tool', 'call_j2'],
    ]);
  });
});

describe(`tools refused by the settings (${TEST_DB})`, () => {
  const { t } = useChatApp({ ALLOWED_CLIENT_TOOLS: 'show_product' });

  it('refuses a tool not in ALLOWED_CLIENT_TOOLS', async () => {
    const u = await t.user();
    const res = await request(t.url)
      .post('/api/chat/send')
      .set(u.auth)
      .send({ message: 'Hi', tools: [SHOW, CART] });
    expectError(res, 400, 'TOOL_NOT_ALLOWED', 'tools[1].name');
  });
});

// Two processes share a database only on a server (PGlite is one process's); through PgBouncer too.
if (TEST_DB !== 'pglite') {
  describe(`a wait outlives its replica (${TEST_DB})`, () => {
    it('results given to another replica continue the answer the first one began', async () => {
      const upstream = await startOpenAIUpstream();
      const database = await createTestDatabase();
      const env = { AI_PROVIDER: 'openai', OPENAI_BASE_URL: upstream.url };
      const a = await startTestApp(env, database);
      const b = await startTestApp(env, database);
      try {
        const u = await a.user();
        const { sessionId, assistantId } = await sendCalling(a, upstream, u.auth, [
          { id: 'call_r', name: 'add_to_cart', arguments: TWO_BLUE_MUGS },
        ]);
        await a.close();
        upstream.enqueue({ kind: 'text', text: 'Done on the other replica.' });
        const cont = await postResults(b, u.auth, sessionId, {
          assistant_message_id: assistantId,
          results: [{ tool_call_id: 'call_r', output: { ok: true } }],
        });
        await cont.done;
        expect(cont.text()).toBe('Done on the other replica.');
        expect((await stored(b, assistantId)).content).toBe('Let me do that. Done on the other replica.');
      } finally {
        await b.close();
        await a.close().catch(() => undefined);
        await database.drop();
        await upstream.close();
      }
    });
  });
}
