import { type OpenAIUpstream, startOpenAIUpstream } from '@pulse/testkit';
import { createServer } from 'node:http';
import { messagesInDb, send, sendJson, storedMessages } from './support/chat.js';
import { startEdgeFunction, type EdgeFunction } from './support/edge-function.js';
import { readWithAiSdk, textOf } from './support/sse.js';
import { startTestApp, useTestApp } from './support/test-app.js';

const SYSTEM = 'You answer through the edge function.';
const EDGE_MODEL = 'edge-upstream-model';
// Shaped like a Supabase anon key: supabase-js sends it as apikey and as the Bearer token.
const ANON_KEY =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYW5vbiIsImlzcyI6InN1cGFiYXNlIn0.c2lnbmF0dXJlLWZvci10ZXN0cy1vbmx5';

/**
 * The whole chain: HTTP client → Pulse (NestJS) → supabase-js → the chat Edge Function
 * under real Deno → a local OpenAI-compatible upstream.
 */
describe('POST /api/chat/send through the Supabase Edge Function under Deno', () => {
  let upstream: OpenAIUpstream;
  let edge: EdgeFunction;

  beforeAll(async () => {
    upstream = await startOpenAIUpstream({ apiKey: 'sk-edge' });
    edge = await startEdgeFunction({
      OPENAI_BASE_URL: upstream.url,
      OPENAI_API_KEY: 'sk-edge',
      OPENAI_MODEL: EDGE_MODEL,
    });
  });
  afterAll(async () => {
    await edge?.close();
    await upstream?.close();
  });
  beforeEach(() => upstream.reset());

  describe.each([
    ['EDGE_FUNCTION_URL', () => ({ EDGE_FUNCTION_URL: `${edge.origin}/functions/v1/chat` })],
    ['SUPABASE_URL with an anon key', () => ({ SUPABASE_URL: edge.origin, SUPABASE_ANON_KEY: ANON_KEY })],
  ])('configured with %s', (_name, env) => {
    const t = useTestApp(() => ({ AI_PROVIDER: 'supabase', DEFAULT_SYSTEM_PROMPT: SYSTEM, ...env() }));

    it('answers a JSON send with the upstream text and passes the memory window on', async () => {
      const u = await t.user();
      const usage = { prompt_tokens: 12, completion_tokens: 4, total_tokens: 16 };
      upstream.enqueue({ kind: 'text', text: 'Hello from the edge.' });
      upstream.enqueue({ kind: 'text', text: 'You said hello.', usage });

      const first = await sendJson(t, u.auth, { message: 'Hello edge' });
      const second = await sendJson(t, u.auth, { message: 'What did I say?', session_id: first.body.session_id });

      expect(first.status).toBe(200);
      expect(first.body).toEqual(
        expect.objectContaining({ response: 'Hello from the edge.', provider: 'supabase', created_session: true }),
      );
      expect(second.status).toBe(200);
      expect(second.body).toEqual(
        expect.objectContaining({ response: 'You said hello.', usage, model: EDGE_MODEL, finish_reason: 'stop' }),
      );
      expect(upstream.requests).toHaveLength(2);
      const received = upstream.requests[1];
      expect(received.headers.authorization).toBe('Bearer sk-edge');
      expect(received.body).toEqual(
        expect.objectContaining({ model: EDGE_MODEL, temperature: 0.7, max_tokens: 1000, stream: true }),
      );
      expect(received.body.messages).toEqual([
        { role: 'system', content: SYSTEM },
        { role: 'user', content: 'Hello edge' },
        { role: 'assistant', content: 'Hello from the edge.' },
        { role: 'user', content: 'What did I say?' },
      ]);
      const stored = await storedMessages(t, u.auth, first.body.session_id);
      expect(stored.map((m) => m.content)).toEqual([
        'Hello edge',
        'Hello from the edge.',
        'What did I say?',
        'You said hello.',
      ]);
      expect(stored[3].metadata).toEqual(
        expect.objectContaining({
          provider: 'supabase',
          model: EDGE_MODEL,
          usage,
          reply_to: second.body.user_message_id,
        }),
      );
    });

    it('streams an answer whose AI SDK text equals the upstream text and the stored answer', async () => {
      const u = await t.user();
      const chunks = ['Edge ', 'streams ', 'pass ', 'straight ', 'through.'];
      upstream.enqueue({ kind: 'text', chunks, chunkDelayMs: 10 });

      const res = await send(t, u.auth, { message: 'Stream via edge', system_prompt: 'Be terse.' }, { stream: true });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-vercel-ai-ui-message-stream')).toBe('v1');
      const ui = await readWithAiSdk(res.body!);

      expect(ui.errors).toEqual([]);
      expect(ui.chunks.filter((c) => c.type === 'text-delta')).toHaveLength(chunks.length);
      expect(textOf(ui.message)).toBe(chunks.join(''));
      expect(upstream.requests[0].body.messages).toEqual([
        { role: 'system', content: 'Be terse.' },
        { role: 'user', content: 'Stream via edge' },
      ]);
      const session = ui.chunks.find((c) => c.type === 'data-session') as { data: { session_id: string } };
      const stored = await storedMessages(t, u.auth, session.data.session_id);
      expect(stored[1].content).toBe(textOf(ui.message));
    });

    it('offers the page’s tool through the function and streams the model’s call, then continues with its result', async () => {
      const u = await t.user();
      const parameters = {
        type: 'object',
        properties: {
          product: { type: 'string', enum: ['mug', 't-shirt', 'poster'] },
          color: { type: 'string' },
          quantity: { type: 'integer', minimum: 1, maximum: 20 },
        },
        required: ['product', 'quantity'],
      };
      const tool = { name: 'add_to_cart', description: 'Adds a product to the cart.', parameters };
      const input = { product: 'mug', color: 'blue', quantity: 2 };
      upstream.enqueue({ kind: 'tool_calls', calls: [{ id: 'call_edge1', name: 'add_to_cart', arguments: input }] });

      const res = await send(t, u.auth, { message: 'add two blue mugs to my cart', tools: [tool] }, { stream: true });
      expect(res.status).toBe(200);
      const ui = await readWithAiSdk(res.body!);

      expect(ui.errors).toEqual([]);
      expect(ui.chunks).toContainEqual(
        expect.objectContaining({ type: 'tool-input-start', toolCallId: 'call_edge1', toolName: 'add_to_cart' }),
      );
      expect(ui.chunks).toContainEqual({
        type: 'tool-input-available',
        toolCallId: 'call_edge1',
        toolName: 'add_to_cart',
        input,
        dynamic: true,
      });
      expect(ui.chunks.at(-1)).toEqual({ type: 'finish', finishReason: 'tool-calls' });
      const offered = upstream.requests[0].body;
      expect(offered.tools).toEqual([{ type: 'function', function: tool }]);
      expect(offered.tool_choice).toBe('auto');

      // The page's result goes back through the function as a tool message after the call.
      const dataOf = (type: string) =>
        (ui.chunks.find((c) => c.type === type) as { data: Record<string, string> }).data;
      const { session_id } = dataOf('data-session');
      const { assistant_message_id } = dataOf('data-message');
      upstream.enqueue({ kind: 'text', text: 'Two blue mugs are in your cart.' });
      const continued = await fetch(`${t.url}/api/chat/sessions/${session_id}/tool-results`, {
        method: 'POST',
        headers: { ...u.auth, 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify({ assistant_message_id, results: [{ tool_call_id: 'call_edge1', output: { ok: true } }] }),
      });
      // The body beside the status, so a refusal shows its reason.
      expect([continued.status, await continued.json()]).toEqual([
        200,
        expect.objectContaining({ response: 'Two blue mugs are in your cart.' }),
      ]);
      const followUp = upstream.requests[1].body.messages as Record<string, unknown>[];
      const [calling, result] = followUp.slice(-2);
      const [replayed] = calling.tool_calls as { function: { arguments: string } }[];
      // The stored input is replayed as JSON (its key order is the database's, not the model's).
      expect(JSON.parse(replayed.function.arguments)).toEqual(input);
      expect(calling).toEqual({
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'call_edge1', type: 'function', function: { name: 'add_to_cart', arguments: expect.any(String) } },
        ],
      });
      expect(result).toEqual({ role: 'tool', tool_call_id: 'call_edge1', content: '{"ok":true}' });
    });

    it('turns an upstream failure into 502 and keeps the question', async () => {
      const u = await t.user();
      upstream.enqueue({ kind: 'error', status: 500, message: 'the model fell over' });

      const res = await sendJson(t, u.auth, { message: 'Is anybody there?' });

      expect(res.status).toBe(502);
      expect(res.body.code).toBe('UPSTREAM_ERROR');
      expect(upstream.requests).toHaveLength(1);
      const { rows } = await t.db.query<{ id: string }>('select id from public.chat_sessions where user_id = $1', [
        u.id,
      ]);
      const stored = await messagesInDb(t, rows[0].id);
      expect(stored.map((m) => [m.role, m.content])).toEqual([['user', 'Is anybody there?']]);
    });
  });

  it('sends the anon key the way supabase-js does when given SUPABASE_URL', async () => {
    // The Deno server ignores paths, so what it saw is visible only as the call's success;
    // a bare function server in front of it proves which path and headers supabase-js used.
    const seen: { path?: string; apikey?: string; authorization?: string } = {};
    const proxy = createServer((req, res) => {
      seen.path = req.url;
      seen.apikey = String(req.headers.apikey);
      seen.authorization = String(req.headers.authorization);
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => void relay());
      const relay = async () => {
        const answer = await fetch(`${edge.origin}${req.url}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: String(req.headers.accept) },
          body: Buffer.concat(chunks),
        });
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
        res.end(Buffer.from(await answer.arrayBuffer()));
      };
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as { port: number }).port;
    const t = await startTestApp({
      AI_PROVIDER: 'supabase',
      SUPABASE_URL: `http://127.0.0.1:${port}`,
      SUPABASE_ANON_KEY: ANON_KEY,
    });
    try {
      const u = await t.user();
      upstream.enqueue({ kind: 'text', text: 'Relayed.' });
      const res = await sendJson(t, u.auth, { message: 'Via the relay' });
      expect([res.status, res.body.response]).toEqual([200, 'Relayed.']);
      expect(seen).toEqual({ path: '/functions/v1/chat', apikey: ANON_KEY, authorization: `Bearer ${ANON_KEY}` });
    } finally {
      await t.close();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });
});
