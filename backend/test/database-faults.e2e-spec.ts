import {
  BACKEND_DIR,
  buildBackend,
  type BuiltServer,
  eventually,
  Hopeless,
  newUserId,
  type OpenAIUpstream,
  partsOf,
  readSse,
  signToken,
  spawnBuiltServer,
  startOpenAIUpstream,
  TEST_SECRET,
  TEST_SERVER_ENV,
  waitReady,
} from '@pulse/testkit';
import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { PrivatePostgres } from './support/private-postgres.js';

// A cluster of our own, a built server and a few hundred sends under three kinds of fault.
jest.setTimeout(180_000);

const CONNECT_TIMEOUT_MS = 1000;
const STATEMENT_TIMEOUT_MS = 1500;
/** What /health/ready promises (2 s), plus room for two shared, busy cores. */
const READY_WITHIN_MS = 2000 + 1500;
const CLIENTS = 8;

interface Outcome {
  kind: 'json' | 'stream';
  startedAt: number;
  status: number;
  /** The error code, if the send failed (JSON body or a stream's data-error). */
  code?: string;
  /** The stream ended cleanly (finish + [DONE]) or the JSON answer was 200. */
  completed: boolean;
  userMessageId?: string;
  assistantMessageId?: string;
  /** A failure no client should ever see: a broken connection, a torn stream, an unexpected body. */
  broken?: string;
}

describe('database faults under load: Pulse survives, answers 503 and keeps what it acknowledged', () => {
  let cluster: PrivatePostgres;
  let upstream: OpenAIUpstream;
  let server: BuiltServer;
  const auths: { Authorization: string }[] = [];

  beforeAll(async () => {
    await buildBackend();
    cluster = await PrivatePostgres.start();
    await cluster.sql('create database pulse');
    upstream = await startOpenAIUpstream();
    server = await spawnBuiltServer({
      cwd: BACKEND_DIR,
      env: {
        ...TEST_SERVER_ENV,
        DATABASE_URL: cluster.url('pulse'),
        DATABASE_POOL_SIZE: '5',
        DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
        DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
        JWT_SECRET_KEY: TEST_SECRET,
        AUTO_PROVISION_USERS: 'true',
        AI_PROVIDER: 'openai',
        OPENAI_BASE_URL: upstream.url,
        RATE_LIMIT_PER_MINUTE: '0',
        RATE_LIMIT_SENDS_PER_MINUTE: '0',
        CHAT_TIMEOUT: '10',
      },
    });
    await waitReady(server);
    for (let i = 0; i < CLIENTS; i++) {
      auths.push({ Authorization: `Bearer ${await signToken(newUserId(), { expiresIn: '1h' })}` });
    }
  }, 120_000);

  afterAll(async () => {
    if (server && server.running()) {
      server.child.kill('SIGKILL');
      await server.exited;
    }
    await upstream?.close();
    await cluster?.stop();
  });

  async function sendOnce(client: number): Promise<Outcome> {
    const kind = client % 2 === 0 ? 'json' : 'stream';
    const startedAt = Date.now();
    // Every answer streams for a while, so faults land in the middle of answers too.
    upstream.enqueue({ kind: 'text', chunkDelayMs: 15 });
    let res: Response;
    try {
      res = await fetch(`${server.url}/api/chat/send`, {
        method: 'POST',
        headers: {
          ...auths[client],
          'Content-Type': 'application/json',
          Accept: kind === 'stream' ? 'text/event-stream' : 'application/json',
        },
        body: JSON.stringify({ message: `question ${randomUUID()} from client ${client} with a few words` }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      return { kind, startedAt, status: 0, completed: false, broken: `request failed: ${String(err)}` };
    }
    const outcome: Outcome = { kind, startedAt, status: res.status, completed: false };
    try {
      if (kind === 'json' || !res.headers.get('content-type')?.includes('text/event-stream')) {
        const body = (await res.json()) as Record<string, string>;
        outcome.code = body.code;
        if (res.status === 200) {
          outcome.completed = true;
          outcome.userMessageId = body.user_message_id;
          outcome.assistantMessageId = body.assistant_message_id;
        }
        return outcome;
      }
      const items = await readSse(res.body!);
      const parts = partsOf(items);
      const session = parts.find((p) => p.type === 'data-session')?.data as { user_message_id?: string } | undefined;
      const message = parts.find((p) => p.type === 'data-message')?.data as
        { assistant_message_id?: string } | undefined;
      const error = parts.find((p) => p.type === 'data-error')?.data as { code?: string } | undefined;
      const done = items.some((i) => i.kind === 'event' && i.data === '[DONE]');
      outcome.userMessageId = session?.user_message_id;
      outcome.code = error?.code;
      if (message && parts.some((p) => p.type === 'finish') && done) {
        outcome.completed = true;
        outcome.assistantMessageId = message.assistant_message_id;
      } else if (!error || !done) {
        outcome.broken = `stream ended without finish or data-error: ${JSON.stringify(parts.map((p) => p.type))}`;
      }
    } catch (err) {
      outcome.broken = `response torn: ${String(err)}`;
    }
    return outcome;
  }

  it('never exits, never answers 500, answers readiness in time, recovers, and keeps every acknowledged send', async () => {
    const outcomes: Outcome[] = [];
    const probes: { at: number; ms: number; status: number }[] = [];
    let stop = false;

    const loops = Array.from({ length: CLIENTS }, async (_, client) => {
      while (!stop && server.running()) outcomes.push(await sendOnce(client));
    });
    const prober = (async () => {
      while (!stop && server.running()) {
        const at = Date.now();
        let status = 0;
        try {
          status = (await fetch(`${server.url}/health/ready`, { signal: AbortSignal.timeout(10_000) })).status;
        } catch {
          // status 0: no answer at all, which the assertions below count against us.
        }
        probes.push({ at, ms: Date.now() - at, status });
        await new Promise((r) => setTimeout(r, 200));
      }
    })();

    const completedSince = (t: number) => outcomes.filter((o) => o.completed && o.startedAt >= t).length;
    const unavailableSince = (t: number) =>
      outcomes.filter((o) => o.startedAt >= t && o.code === 'DATABASE_UNAVAILABLE').length;
    const alive = () => {
      if (!server.running()) throw new Hopeless(`Pulse exited:\n${server.output()}`);
    };
    /** Recovered: sends that began after the fault's end complete again. */
    const recovered = async (what: string, since: number) => {
      await eventually(
        `${what}: sends complete again`,
        () => {
          alive();
          return completedSince(since) >= CLIENTS;
        },
        { timeoutMs: 60_000 },
      );
    };

    const note = (what: string) =>
      process.env.PULSE_TEST_VERBOSE &&
      process.stderr.write(
        `${new Date().toISOString()} ${what}: ${outcomes.length} sends, ${completedSince(0)} completed\n`,
      );
    const events = { terminations: 0, backendsTerminated: 0, immediateRestarts: 0, freezes: 0 };
    await recovered('warm-up', 0);

    // 1. Connections terminated on the server side, again and again.
    for (let i = 0; i < 6; i++) {
      // In the target list, so it only runs for the rows the where clause kept.
      const killed = await cluster.sql<{ done: boolean }>(
        "select pg_terminate_backend(pid) as done from pg_stat_activity where datname = 'pulse'",
      );
      events.terminations += 1;
      events.backendsTerminated += killed.length;
      note(`terminated ${killed.length}`);
      await recovered(`termination ${i + 1}`, Date.now());
    }

    // 2. An immediate restart: every backend dies at once, as in a crash.
    for (let i = 0; i < 2; i++) {
      await cluster.ctl('restart', ['-m', 'immediate']);
      events.immediateRestarts += 1;
      note('restarted');
      await recovered(`immediate restart ${i + 1}`, Date.now());
    }

    // 3. A frozen server: connections stay open, nothing answers. Held until Pulse has timed
    // out sends and readiness (which proves the freeze outlasted the timeouts), then thawed.
    const pids = cluster.processes();
    const frozenAt = Date.now();
    for (const pid of pids) process.kill(pid, 'SIGSTOP');
    try {
      await eventually(
        'the freeze is noticed',
        () => {
          alive();
          return (
            // Longer than the client-side statement guard, which a frozen server leaves as the only way out.
            Date.now() - frozenAt > STATEMENT_TIMEOUT_MS + 1500 &&
            unavailableSince(frozenAt) >= 2 &&
            probes.some((p) => p.at >= frozenAt + 100 && p.status === 503)
          );
        },
        { timeoutMs: 60_000 },
      );
    } finally {
      for (const pid of pids) process.kill(pid, 'SIGCONT');
    }
    const frozenMs = Date.now() - frozenAt;
    note(`thawed after ${frozenMs} ms`);
    events.freezes += 1;
    await recovered('freeze', Date.now());

    note('recovered');
    stop = true;
    await Promise.all([...loops, prober]);
    alive();

    const statuses: Record<string, number> = {};
    for (const o of outcomes) {
      const key = `${o.kind} ${o.status}${o.code ? ` ${o.code}` : ''}${o.broken ? ' broken' : ''}`;
      statuses[key] = (statuses[key] ?? 0) + 1;
    }
    const slowProbes = probes.filter((p) => p.ms > READY_WITHIN_MS || p.status === 0);
    // The figures the issue asks for, in the test log.
    console.log(
      JSON.stringify(
        { events, frozenMs, sends: outcomes.length, statuses, probes: probes.length, slowProbes },
        null,
        1,
      ),
    );

    expect(outcomes.filter((o) => o.broken).map((o) => o.broken)).toEqual([]);
    expect(outcomes.filter((o) => o.status >= 500 && o.status !== 503)).toEqual([]);
    // Every failure is the one code for "the database is away", as JSON 503 or a stream's data-error.
    const failures = outcomes.filter((o) => !o.completed);
    expect(failures.filter((o) => o.code !== 'DATABASE_UNAVAILABLE')).toEqual([]);
    expect(failures.filter((o) => o.kind === 'json' && o.status !== 503)).toEqual([]);
    expect(failures.length).toBeGreaterThan(0);
    expect(slowProbes).toEqual([]);
    expect(probes.filter((p) => p.status !== 200 && p.status !== 503)).toEqual([]);
    expect(events.backendsTerminated).toBeGreaterThan(events.terminations);

    // Acknowledged means stored: each completed send's question and answer, and each
    // streamed question the client was told about (data-session is sent after its commit).
    const userIds = outcomes.flatMap((o) =>
      o.userMessageId && (o.completed || o.kind === 'stream') ? [o.userMessageId] : [],
    );
    const assistantIds = outcomes.flatMap((o) => (o.completed && o.assistantMessageId ? [o.assistantMessageId] : []));
    const ids = [...userIds, ...assistantIds];
    expect(assistantIds.length).toBeGreaterThan(50);
    const stored = await cluster.sql<{ id: string }>(
      `select id from public.chat_messages where id = any('{${ids.join(',')}}'::uuid[])`,
      'pulse',
    );
    const found = new Set(stored.map((r) => r.id));
    expect(ids.filter((id) => !found.has(id))).toEqual([]);

    // Still serving after all of it.
    expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
    expect(server.running()).toBe(true);
  });
});
