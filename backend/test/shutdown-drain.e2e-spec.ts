import {
  BACKEND_DIR,
  buildBackend,
  type BuiltServer,
  eventually,
  newUserId,
  type OpenAIUpstream,
  partsOf,
  readSse,
  signToken,
  spawnBuiltServer,
  type SseItem,
  startOpenAIUpstream,
  TEST_SECRET,
  TEST_SERVER_ENV,
  waitReady,
} from '@pulse/testkit';
import { jest } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

jest.setTimeout(90_000);

// The short answer takes 0.5 s of upstream time by construction; the limit is 6 times that, so
// a loaded machine that slows the short stream still sees it finish, and the long one (60 s)
// still has to be cut. Exiting is then drain + close, well inside Docker's 10 s.
const DRAIN_SECONDS = 3;
/** Docker's default stop grace period: past it the process is SIGKILLed and answers are lost. */
const DOCKER_GRACE_MS = 10_000;

describe('SIGTERM drain limit (built server)', () => {
  let db: TestDatabase;
  let upstream: OpenAIUpstream;
  let env: Record<string, string>;
  const servers: BuiltServer[] = [];

  const start = async () => {
    const server = await spawnBuiltServer({ cwd: BACKEND_DIR, env: { ...TEST_SERVER_ENV, ...env } });
    servers.push(server);
    await waitReady(server);
    return server;
  };

  beforeAll(async () => {
    await buildBackend();
    db = await createTestDatabase();
    upstream = await startOpenAIUpstream();
    env = {
      ...db.env,
      JWT_SECRET_KEY: TEST_SECRET,
      AUTO_PROVISION_USERS: 'true',
      AI_PROVIDER: 'openai',
      OPENAI_BASE_URL: upstream.url,
      SHUTDOWN_DRAIN_SECONDS: String(DRAIN_SECONDS),
      CHAT_TIMEOUT: '60',
      // One left after the two answered sends, for the refused sends below to (wrongly) use up.
      RATE_LIMIT_SENDS_PER_MINUTE: '3',
    };
  }, 120_000);

  afterAll(async () => {
    for (const s of servers) if (s.running()) s.child.kill('SIGKILL');
    await Promise.all(servers.map((s) => s.exited));
    await upstream?.close();
    await db?.drop();
  });

  it('lets short streams finish, ends long ones as interrupted at the limit (stored), and exits 0 well inside 10 s', async () => {
    const server = await start();
    const auth = { Authorization: `Bearer ${await signToken(newUserId(), { expiresIn: '1h' })}` };
    const words = (n: number, tag: string) => Array.from({ length: n }, (_, i) => ` ${tag}${i}`);
    // FIFO: the long answer (60 s of chunks) goes to the first send, the short one (~0.5 s) to the second.
    upstream.enqueue({ kind: 'text', chunks: words(600, 'long'), chunkDelayMs: 100 });
    upstream.enqueue({ kind: 'text', chunks: words(5, 'short'), chunkDelayMs: 100, firstTokenDelayMs: 0 });

    const open = async (message: string) => {
      const res = await fetch(`${server.url}/api/chat/send`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
        body: JSON.stringify({ message }),
      });
      expect(res.status).toBe(200);
      let deltas = 0;
      const items = readSse(res.body!, (item: SseItem) => {
        if (item.kind === 'event' && item.data.includes('"type":"text-delta"')) deltas += 1;
      });
      return { items, deltas: () => deltas };
    };
    const long = await open('tell me a long story');
    await eventually('the long answer streams', () => long.deltas() >= 3, { timeoutMs: 30_000 });
    const short = await open('and a short one');
    await eventually('the short answer streams', () => short.deltas() >= 1, { timeoutMs: 30_000 });

    const signalledAt = Date.now();
    server.child.kill('SIGTERM');
    await eventually('readiness fails', async () => (await fetch(`${server.url}/health/ready`)).status === 503, {
      timeoutMs: 30_000,
    });
    // Sends refused while draining cost nothing: the balancer's retry on another replica is the one charged.
    for (let i = 0; i < 3; i++) {
      const refused = await fetch(`${server.url}/api/chat/send`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/json' },
        body: JSON.stringify({ message: 'during the drain' }),
      });
      expect(refused.status).toBe(503);
      expect(((await refused.json()) as { code: string }).code).toBe('SHUTTING_DOWN');
    }
    const [longParts, shortParts] = [partsOf(await long.items), partsOf(await short.items)];
    const exit = await server.exited;
    const tookMs = Date.now() - signalledAt;

    expect(exit).toEqual({ code: 0, signal: null });
    expect(tookMs).toBeGreaterThanOrEqual(DRAIN_SECONDS * 1000);
    expect(tookMs).toBeLessThan(DOCKER_GRACE_MS);

    // The short answer finished on its own within the limit.
    expect(shortParts.find((p) => p.type === 'finish')).toEqual({ type: 'finish', finishReason: 'stop' });
    expect(shortParts.find((p) => p.type === 'data-message')?.data).toMatchObject({ interrupted: false });

    // The long one was ended cleanly: no error part, an interrupted answer, [DONE].
    expect(longParts.filter((p) => p.type === 'data-error')).toEqual([]);
    expect(longParts.find((p) => p.type === 'finish')).toEqual({ type: 'finish', finishReason: 'interrupted' });
    const message = longParts.find((p) => p.type === 'data-message')?.data as { assistant_message_id: string };
    expect(message).toMatchObject({ interrupted: true, finish_reason: 'interrupted' });
    const streamed = longParts
      .filter((p) => p.type === 'text-delta')
      .map((p) => p.delta)
      .join('');
    expect(streamed.length).toBeGreaterThan(0);

    // What the client saw is what was stored, marked interrupted.
    const session = longParts.find((p) => p.type === 'data-session')?.data as { session_id: string } | undefined;
    const sessionId = session?.session_id;
    expect(sessionId).toBeDefined();
    const next = await start();
    const res = await fetch(`${next.url}/api/chat/sessions/${sessionId}`, { headers: auth });
    expect(res.status).toBe(200);
    const { messages } = (await res.json()) as {
      messages: { id: string; role: string; content: string; metadata: Record<string, unknown> }[];
    };
    const answer = messages.find((m) => m.id === message.assistant_message_id);
    expect(answer).toMatchObject({ role: 'assistant', content: streamed });
    expect(answer?.metadata).toMatchObject({ interrupted: true, finish_reason: 'interrupted' });
  });
});
