import { jest } from '@jest/globals';
import { eventually, type OpenAIUpstream, startOpenAIUpstream } from '@pulse/testkit';
import { randomBytes, randomUUID } from 'node:crypto';
import request from 'supertest';
import { WebhookWorker } from '../src/webhooks/webhook-worker.js';
import { WebhooksRepository } from '../src/webhooks/webhooks.repository.js';
import { createSession, sendJson } from './support/chat.js';
import { expectError } from './support/errors.js';
import { startTestApp, TEST_DB, type TestApp } from './support/test-app.js';
import { WebhookRetentionJanitor } from '../src/webhooks/webhook-retention.janitor.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { type ReceivedWebhook, startWebhookReceiver, type WebhookReceiver } from './support/webhook-receiver.js';

jest.setTimeout(60_000);

const SECRET = `whsec_${randomBytes(32).toString('base64')}`;
const ADMIN_KEY = 'webhooks-e2e-admin-key-0123456789';
const MAX_ATTEMPTS = 8;
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);

/** Small numbers, so retries take milliseconds: the worker's logic is the same at any scale. */
const webhookEnv = (url: string, timeoutMs = 600): Record<string, string> => ({
  WEBHOOK_URLS: url,
  WEBHOOK_SECRET: SECRET,
  WEBHOOK_TIMEOUT_MS: String(timeoutMs),
  WEBHOOK_BACKOFF_BASE_MS: '10',
  WEBHOOK_BACKOFF_CAP_MS: '150',
  WEBHOOK_MAX_ATTEMPTS: String(MAX_ATTEMPTS),
  WEBHOOK_POLL_MS: '250',
  PULSE_ADMIN_KEY: ADMIN_KEY,
});

type Status = 'pending' | 'delivered' | 'dead';

/** The deliveries of events about `userId`, as the database has them. */
async function deliveriesOf(t: TestApp, userId: string) {
  const { rows } = await t.db.query<{ id: string; event_id: string; type: string; status: Status; attempts: number }>(
    `select d.id, d.event_id, v.type, d.status, d.attempts
       from public.webhook_deliveries d join public.webhook_events v on v.id = d.event_id
      where v.payload->>'user_id' = $1 order by d.created_at`,
    [userId],
  );
  return rows;
}

async function attemptLog(t: TestApp, deliveryId: string) {
  const { rows } = await t.db.query<{ http_status: number | null; error: string | null }>(
    `select http_status, error from public.webhook_delivery_attempts where delivery_id = $1 order by attempted_at, id`,
    [deliveryId],
  );
  return rows;
}

const allIn = (rows: Array<{ status: Status }>, status: Status, count: number) =>
  rows.length === count && rows.every((r) => r.status === status);

describe(`webhooks (${TEST_DB})`, () => {
  let receiver: WebhookReceiver;
  let upstream: OpenAIUpstream;
  let t: TestApp;
  let database: TestDatabase;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    upstream = await startOpenAIUpstream();
    database = await createTestDatabase();
    t = await startTestApp(
      {
        AI_PROVIDER: 'openai',
        OPENAI_BASE_URL: upstream.url,
        OPENAI_MODEL: 'pulse-e2e-model',
        ...webhookEnv(receiver.url),
      },
      database,
    );
  });
  afterAll(async () => {
    await t?.close();
    await database?.drop();
    await upstream?.close();
    await receiver?.close();
  });
  beforeEach(() => {
    upstream.reset();
    receiver.behave(() => 204);
  });
  afterEach(() => expect(receiver.rejected).toEqual([]));

  const requestsFor = (userId: string) => receiver.requests.filter((r) => r.data.user_id === userId);
  const ackedFor = (userId: string) => receiver.acknowledged().filter((r) => r.data.user_id === userId);
  const adminAuth = async () => {
    const res = await request(t.url).post('/api/admin/token').send({ key: ADMIN_KEY });
    expect(res.status).toBe(200);
    return { Authorization: `Bearer ${res.body.token as string}` };
  };

  it('sends every event type once, signed, exactly as documented', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', text: 'Hello from the model.' });
    const { status, body } = await sendJson(t, u.auth, { message: 'Hi there' });
    expect(status).toBe(200);
    const rated = await request(t.url)
      .put(`/api/chat/messages/${body.assistant_message_id}/feedback`)
      .set(u.auth)
      .send({ rating: 'up', comment: 'Spot on' });
    expect(rated.status).toBe(200);
    expect((await request(t.url).delete(`/api/chat/sessions/${body.session_id}`).set(u.auth)).status).toBe(204);

    await eventually('the five deliveries are recorded as delivered', async () =>
      allIn(await deliveriesOf(t, u.id), 'delivered', 5),
    );
    const received = requestsFor(u.id);
    // Once each, as Pulse saw it: every attempt it logged reached the receiver, the last one is
    // the only acknowledged one, and nothing came after it. (On a loaded machine a 204 can come
    // after WEBHOOK_TIMEOUT_MS: Pulse logged that attempt as timed out and sent it again, the same
    // webhook-id, as at-least-once delivery does.)
    const deliveries = await deliveriesOf(t, u.id);
    for (const d of deliveries) {
      const log = await attemptLog(t, d.id);
      expect(log.at(-1)?.http_status).toBe(204);
      expect(log.filter((a) => a.http_status !== null && a.http_status < 300)).toHaveLength(1);
      expect(received.filter((e) => e.id === d.event_id)).toHaveLength(log.length);
    }
    const got = [...new Map(received.map((e) => [e.id, e])).values()];
    expect(got).toHaveLength(5);
    for (const e of got) {
      expect(e.id).toMatch(/^msg_[0-9a-f]{32}$/);
      expect(e.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(e.headers['webhook-signature']).toMatch(/^v1,/);
      expect(e.headers['content-type']).toBe('application/json');
    }
    const one = (type: string, role?: string) => {
      const found = got.filter((e) => e.type === type && (role === undefined || e.data.role === role));
      expect(found).toHaveLength(1);
      return found[0];
    };
    expect(one('session.created').data).toEqual({
      session_id: body.session_id,
      user_id: u.id,
      title: expect.any(String),
      created_at: ISO,
    });
    expect(one('message.created', 'user').data).toEqual({
      message_id: body.user_message_id,
      session_id: body.session_id,
      user_id: u.id,
      role: 'user',
      content: 'Hi there',
      parent_id: null,
      created_at: ISO,
      metadata: {},
    });
    expect(one('message.created', 'assistant').data).toEqual({
      message_id: body.assistant_message_id,
      session_id: body.session_id,
      user_id: u.id,
      role: 'assistant',
      content: 'Hello from the model.',
      parent_id: body.user_message_id,
      created_at: ISO,
      metadata: expect.objectContaining({
        provider: 'openai',
        model: 'pulse-e2e-model',
        finish_reason: 'stop',
        reply_to: body.user_message_id,
      }),
    });
    expect(one('message.feedback').data).toEqual({
      message_id: body.assistant_message_id,
      session_id: body.session_id,
      user_id: u.id,
      rating: 'up',
      comment: 'Spot on',
      created_at: ISO,
      updated_at: ISO,
    });
    expect(one('session.deleted').data).toEqual({ session_id: body.session_id, user_id: u.id, deleted_at: ISO });
    // Delivery order is not promised (one claim sends its events at once), but each event's
    // timestamp is when it happened: the chat's creation first, its deletion last.
    const at = (e: (typeof got)[number]) => Date.parse(e.timestamp);
    const [created, deleted] = [at(one('session.created')), at(one('session.deleted'))];
    for (const e of got) {
      expect(created).toBeLessThanOrEqual(at(e));
      expect(deleted).toBeGreaterThanOrEqual(at(e));
    }
  });

  it('sends nothing for a change that was rolled back', async () => {
    const u = await t.user();
    const rolledBack = randomUUID();
    await expect(
      t.db.asUser(u.id, async (tx) => {
        await tx.query('insert into public.chat_sessions (id, user_id) values ($1, $2)', [rolledBack, u.id]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    // A send refused inside its transaction (archived session): nothing was written, nothing goes.
    const archived = await createSession(t, u.auth);
    await request(t.url).put(`/api/chat/sessions/${archived}`).set(u.auth).send({ is_active: false });
    const refused = await sendJson(t, u.auth, { message: 'into an archived chat', session_id: archived });
    expect(refused.status).toBe(404);
    const kept = randomUUID();
    await t.db.asUser(u.id, (tx) =>
      tx.query('insert into public.chat_sessions (id, user_id) values ($1, $2)', [kept, u.id]),
    );

    await eventually('the committed session arrives', () => ackedFor(u.id).some((e) => e.data.session_id === kept));
    expect(requestsFor(u.id).filter((e) => e.data.session_id === rolledBack)).toEqual([]);
    expect(requestsFor(u.id).filter((e) => e.type === 'message.created')).toEqual([]);
    const { rows } = await t.db.query<{ n: number }>(
      `select count(*)::int as n from public.webhook_events where payload->>'session_id' = $1`,
      [rolledBack],
    );
    expect(rows[0].n).toBe(0);
  });

  it('retries a receiver that fails, with the same webhook-id, until it answers 2xx; the log has each attempt', async () => {
    const u = await t.user();
    receiver.behave((e, attempt) => (e.data.user_id === u.id && attempt <= 2 ? 503 : 204));
    await createSession(t, u.auth);

    const [delivery] = await eventually('delivered', async () => {
      const rows = await deliveriesOf(t, u.id);
      return allIn(rows, 'delivered', 1) && rows;
    });
    const tries = requestsFor(u.id);
    expect(tries.map((e) => e.answer)).toEqual([503, 503, 204]);
    expect(new Set(tries.map((e) => e.id))).toEqual(new Set([delivery.event_id]));
    expect(delivery.attempts).toBe(3);
    expect(await attemptLog(t, delivery.id)).toEqual([
      { http_status: 503, error: 'HTTP 503' },
      { http_status: 503, error: 'HTTP 503' },
      { http_status: 204, error: null },
    ]);
  });

  it('retries a receiver that does not answer within WEBHOOK_TIMEOUT_MS', async () => {
    const u = await t.user();
    receiver.behave((e, attempt) => (e.data.user_id === u.id && attempt === 1 ? 'hang' : 204));
    await createSession(t, u.auth);

    const [delivery] = await eventually('delivered', async () => {
      const rows = await deliveriesOf(t, u.id);
      return allIn(rows, 'delivered', 1) && rows;
    });
    expect(requestsFor(u.id).map((e) => e.answer)).toEqual(['hang', 204]);
    expect(await attemptLog(t, delivery.id)).toEqual([
      { http_status: null, error: 'timed out after 600 ms' },
      { http_status: 204, error: null },
    ]);
  });

  it('gives a receiver that was down for a while everything once it is back', async () => {
    const u = await t.user();
    await receiver.down();
    try {
      for (let i = 0; i < 3; i++) await createSession(t, u.auth);
      await eventually('every delivery has failed twice', async () => {
        const rows = await deliveriesOf(t, u.id);
        return rows.length === 3 && rows.every((r) => r.attempts >= 2 && r.status === 'pending');
      });
    } finally {
      await receiver.up();
    }
    const rows = await eventually('all delivered', async () => {
      const found = await deliveriesOf(t, u.id);
      return allIn(found, 'delivered', 3) && found;
    });
    expect(
      ackedFor(u.id)
        .map((e) => e.id)
        .sort(),
    ).toEqual(rows.map((r) => r.event_id).sort());
    expect(await attemptLog(t, rows[0].id)).toEqual(
      expect.arrayContaining([{ http_status: null, error: expect.stringMatching(/ECONNREFUSED/) }]),
    );
  });

  it('marks a delivery dead after WEBHOOK_MAX_ATTEMPTS; an admin retry delivers it', async () => {
    const u = await t.user();
    let healed = false;
    receiver.behave((e) => (e.data.user_id === u.id && !healed ? 500 : 204));
    await createSession(t, u.auth);

    const [dead] = await eventually('dead', async () => {
      const rows = await deliveriesOf(t, u.id);
      return allIn(rows, 'dead', 1) && rows;
    });
    expect(dead.attempts).toBe(MAX_ATTEMPTS);
    expect(requestsFor(u.id)).toHaveLength(MAX_ATTEMPTS);

    const admin = await adminAuth();
    const listed = await request(t.url).get('/api/admin/webhooks/deliveries?status=dead').set(admin);
    expect(listed.status).toBe(200);
    expect(listed.body.deliveries).toContainEqual({
      id: dead.id,
      event_id: dead.event_id,
      endpoint_id: expect.any(String),
      type: 'session.created',
      status: 'dead',
      attempts: MAX_ATTEMPTS,
      next_attempt_at: ISO,
      last_status: 500,
      last_error: 'HTTP 500',
      delivered_at: null,
      created_at: ISO,
    });
    const detail = await request(t.url).get(`/api/admin/webhooks/deliveries/${dead.id}`).set(admin);
    expect(detail.body.attempt_log).toHaveLength(MAX_ATTEMPTS);
    expect(detail.body.attempt_log[0]).toEqual({
      attempted_at: ISO,
      http_status: 500,
      error: 'HTTP 500',
      duration_ms: expect.any(Number),
    });

    healed = true;
    const retried = await request(t.url).post(`/api/admin/webhooks/deliveries/${dead.id}/retry`).set(admin);
    expect(retried.status).toBe(200);
    // Pending with its attempts back to zero, unless a worker's poll took it in between.
    expect([retried.body.status, retried.body.attempts]).not.toEqual(['dead', MAX_ATTEMPTS]);
    expect(retried.body.id).toBe(dead.id);
    await eventually('delivered after the retry', async () => allIn(await deliveriesOf(t, u.id), 'delivered', 1));
    expect(ackedFor(u.id).map((e) => e.id)).toEqual([dead.event_id]);

    const again = await request(t.url).post(`/api/admin/webhooks/deliveries/${dead.id}/retry`).set(admin);
    expectError(again, 409, 'WEBHOOK_DELIVERY_NOT_DEAD');
    expectError(
      await request(t.url).post(`/api/admin/webhooks/deliveries/${randomUUID()}/retry`).set(admin),
      404,
      'WEBHOOK_DELIVERY_NOT_FOUND',
    );
  });

  it('forgets delivered events after WEBHOOK_RETENTION_DAYS, with their log; keeps pending and dead ones', async () => {
    const u = await t.user();
    await createSession(t, u.auth);
    const [delivered] = await eventually('delivered', async () => {
      const rows = await deliveriesOf(t, u.id);
      return allIn(rows, 'delivered', 1) && rows;
    });
    // A week and a day pass for it; another of the user's deliveries is dead, as old.
    await t.db.query(`update public.webhook_deliveries set delivered_at = now() - interval '8 days' where id = $1`, [
      delivered.id,
    ]);
    await t.db.query(`update public.webhook_events set created_at = now() - interval '8 days' where id = $1`, [
      delivered.event_id,
    ]);
    const dead = await createSession(t, u.auth).then(() =>
      eventually('second delivered', async () => {
        const rows = await deliveriesOf(t, u.id);
        return rows.length === 2 && rows.every((r) => r.status === 'delivered') && rows[1];
      }),
    );
    await t.db.query(`update public.webhook_deliveries set status = 'dead', delivered_at = null where id = $1`, [
      dead.id,
    ]);
    await t.db.query(`update public.webhook_events set created_at = now() - interval '8 days' where id = $1`, [
      dead.event_id,
    ]);

    expect(await t.app.get(WebhookRetentionJanitor).purge()).toBeGreaterThanOrEqual(1);
    const left = await deliveriesOf(t, u.id);
    expect(left.map((d) => [d.id, d.status])).toEqual([[dead.id, 'dead']]);
    expect(await attemptLog(t, delivered.id)).toEqual([]);
    const { rows } = await t.db.query<{ n: number }>(
      'select count(*)::int as n from public.webhook_events where id = $1',
      [delivered.event_id],
    );
    expect(rows[0].n).toBe(0);
  });

  it('lets the admin API add an endpoint with its own secret and events, list it masked, disable and delete it', async () => {
    const admin = await adminAuth();
    const other = await startWebhookReceiver(SECRET);
    try {
      const created = await request(t.url)
        .post('/api/admin/webhooks')
        .set(admin)
        .send({ url: other.url, events: ['session.deleted'] });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({
        id: expect.any(String),
        url: other.url,
        events: ['session.deleted'],
        enabled: true,
        source: 'admin',
        secret: expect.stringMatching(/^whsec_[A-Za-z0-9+/]{43}=$/),
        secret_hint: `${(created.body.secret as string).slice(0, 10)}…`,
        deliveries: { pending: 0, delivered: 0, dead: 0 },
        created_at: ISO,
      });
      other.useSecret(created.body.secret);

      const u = await t.user();
      const session = await createSession(t, u.auth);
      expect((await request(t.url).delete(`/api/chat/sessions/${session}`).set(u.auth)).status).toBe(204);
      await eventually('the new endpoint gets the deletion', () => other.acknowledged().length === 1);
      expect(other.requests.map((e) => [e.type, e.data.session_id])).toEqual([['session.deleted', session]]);
      expect(other.rejected).toEqual([]);

      const list = await request(t.url).get('/api/admin/webhooks').set(admin);
      expect(list.status).toBe(200);
      expect(JSON.stringify(list.body)).not.toContain(created.body.secret);
      expect(JSON.stringify(list.body)).not.toContain(SECRET);
      expect(list.body.endpoints).toEqual([
        expect.objectContaining({ url: receiver.url, source: 'settings', secret_hint: `${SECRET.slice(0, 10)}…` }),
        expect.objectContaining({ id: created.body.id, deliveries: { pending: 0, delivered: 1, dead: 0 } }),
      ]);

      const disabled = await request(t.url)
        .put(`/api/admin/webhooks/${created.body.id}`)
        .set(admin)
        .send({ enabled: false });
      expect(disabled.body.enabled).toBe(false);
      const later = await createSession(t, u.auth);
      await request(t.url).delete(`/api/chat/sessions/${later}`).set(u.auth);
      // The settings endpoint gets it; the disabled one is not even queued.
      await eventually('the settings endpoint gets the later deletion', () =>
        ackedFor(u.id).some((e) => e.type === 'session.deleted' && e.data.session_id === later),
      );
      expect(other.requests).toHaveLength(1);

      expect((await request(t.url).delete(`/api/admin/webhooks/${created.body.id}`).set(admin)).status).toBe(204);
      expectError(
        await request(t.url).delete(`/api/admin/webhooks/${created.body.id}`).set(admin),
        404,
        'WEBHOOK_NOT_FOUND',
      );
      const { rows } = await t.db.query<{ n: number }>(
        'select count(*)::int as n from public.webhook_deliveries where endpoint_id = $1',
        [created.body.id],
      );
      expect(rows[0].n).toBe(0);
    } finally {
      await other.close();
    }
  });

  it('refuses visitors and bad input on the admin API', async () => {
    const u = await t.user();
    expectError(await request(t.url).get('/api/admin/webhooks').set(u.auth), 403, 'ADMIN_REQUIRED');
    expectError(await request(t.url).get('/api/admin/webhooks'), 401, 'UNAUTHORIZED');
    const admin = await adminAuth();
    expectError(
      await request(t.url).post('/api/admin/webhooks').set(admin).send({ url: 'ftp://crm.example/hook' }),
      400,
      'WEBHOOK_URL_INVALID',
    );
    expectError(
      await request(t.url)
        .post('/api/admin/webhooks')
        .set(admin)
        .send({ url: 'https://crm.example', events: ['message.edited'] }),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await request(t.url).get('/api/admin/webhooks/deliveries?status=lost').set(admin),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await request(t.url).put('/api/admin/webhooks/nope').set(admin).send({ enabled: true }),
      400,
      'INVALID_ID',
    );
  });

  it('pages the delivery list newest first', async () => {
    const admin = await adminAuth();
    const u = await t.user();
    for (let i = 0; i < 3; i++) await createSession(t, u.auth);
    await eventually('delivered', async () => allIn(await deliveriesOf(t, u.id), 'delivered', 3));
    const seen: string[] = [];
    let before: string | null = null;
    do {
      const res = await request(t.url)
        .get('/api/admin/webhooks/deliveries')
        .query({ status: 'delivered', limit: 2, ...(before ? { before } : {}) })
        .set(admin);
      expect(res.status).toBe(200);
      seen.push(...(res.body.deliveries as Array<{ id: string }>).map((d) => d.id));
      before = res.body.next_before as string | null;
    } while (before);
    const ours = (await deliveriesOf(t, u.id)).map((d) => d.id).reverse();
    // Newest first: ours are the newest delivered ones, in reverse order of creation.
    expect(seen.slice(0, 3)).toEqual(ours);
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('delivers each event once with two workers claiming at the same time (SKIP LOCKED)', async () => {
    // PGlite is one process's database: the second worker runs beside the app's. On Postgres a
    // second app (another replica) on the same database.
    const second =
      TEST_DB === 'pglite'
        ? { worker: new WebhookWorker(t.db, t.app.get(WebhooksRepository), t.config), app: undefined }
        : { worker: undefined, app: await startTestApp(webhookEnv(receiver.url), database) };
    try {
      await second.worker?.onApplicationBootstrap();
      const u = await t.user();
      const sessions = 20;
      await Promise.all(
        Array.from({ length: sessions }, (_, i) => createSession(i % 2 && second.app ? second.app : t, u.auth)),
      );
      await eventually('all delivered', async () => allIn(await deliveriesOf(t, u.id), 'delivered', sessions));
      const got = requestsFor(u.id);
      expect(got).toHaveLength(sessions);
      expect(new Set(got.map((e: ReceivedWebhook) => e.id)).size).toBe(sessions);
      expect((await deliveriesOf(t, u.id)).every((d) => d.attempts === 1)).toBe(true);
    } finally {
      await second.worker?.onApplicationShutdown();
      await second.app?.close();
    }
  });
});

describe(`webhooks across a restart (${TEST_DB})`, () => {
  let receiver: WebhookReceiver;
  let database: TestDatabase;
  const apps: TestApp[] = [];
  // Long enough that only the shutdown, not the timeout, ends the held attempt.
  const env = () => webhookEnv(receiver.url, 20_000);
  const start = async () => {
    const app = await startTestApp(env(), database);
    apps.push(app);
    return app;
  };
  const stop = async (app: TestApp) => {
    apps.splice(apps.indexOf(app), 1);
    await app.close();
  };

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const app of apps) await app.close().catch(() => undefined);
    await database?.drop();
    await receiver?.close();
  });

  it('delivers an event whose attempt a shutdown cut, and never again one that was acknowledged', async () => {
    receiver.behave(() => 'hang');
    const first = await start();
    const u = await first.user();
    const held = await createSession(first, u.auth);
    await eventually('the receiver holds the attempt', () => receiver.hanging() === 1);
    receiver.behave(() => 204);
    await stop(first);

    const second = await start();
    await eventually('the held event arrives through the new process', () =>
      receiver.acknowledged().some((e) => e.data.session_id === held),
    );
    const acked = await createSession(second, u.auth);
    await eventually('acknowledged', async () => allIn(await deliveriesOf(second, u.id), 'delivered', 2));
    await stop(second);

    const third = await start();
    const marker = await createSession(third, u.auth);
    await eventually('the third process delivers', async () => allIn(await deliveriesOf(third, u.id), 'delivered', 3));

    const bySession = (id: string) => receiver.requests.filter((e) => e.data.session_id === id).map((e) => e.answer);
    // The cut attempt, then the one that was acknowledged; each later one exactly once.
    expect(bySession(held)).toEqual(['hang', 204]);
    expect(bySession(acked)).toEqual([204]);
    expect(bySession(marker)).toEqual([204]);
    expect(receiver.rejected).toEqual([]);
    const [heldDelivery] = await deliveriesOf(third, u.id);
    // The cut attempt is logged but not counted against the receiver's retries.
    expect(heldDelivery.attempts).toBe(1);
    expect(await attemptLog(third, heldDelivery.id)).toEqual([
      { http_status: null, error: 'interrupted: this Pulse replica shut down during the attempt' },
      { http_status: 204, error: null },
    ]);
    await stop(third);
  });

  it("sends a delivery whose replica died mid-attempt once that replica's lease runs out", async () => {
    const LEASE_MS = 1500;
    receiver.behave(() => 204);
    const crashed = await start();
    // This replica's worker is gone, as after a crash: it claimed the delivery and never came back.
    await crashed.app.get(WebhookWorker).onApplicationShutdown();
    const u = await crashed.user();
    const session = await createSession(crashed, u.auth);
    const claimed = await crashed.app.get(WebhooksRepository).claimDue(crashed.db, 10, LEASE_MS);
    const claimedAt = Date.now();
    expect(claimed.map((d) => d.payload)).toEqual([expect.objectContaining({ session_id: session })]);
    await stop(crashed);

    const next = await start();
    const [delivery] = await eventually('delivered by the next process', async () => {
      const rows = await deliveriesOf(next, u.id);
      return allIn(rows, 'delivered', 1) && rows;
    });
    expect(Date.now() - claimedAt).toBeGreaterThanOrEqual(LEASE_MS);
    // The lost attempt counts: a replica that crashes on an event again and again cannot retry it forever.
    expect(delivery.attempts).toBe(2);
    expect(receiver.requests.filter((e) => e.data.session_id === session).map((e) => e.answer)).toEqual([204]);
  });
});

describe(`webhooks wake on commit (${TEST_DB})`, () => {
  let receiver: WebhookReceiver;
  let t: TestApp;

  beforeAll(async () => {
    receiver = await startWebhookReceiver(SECRET);
    // A poll far longer than the test: only the triggers' NOTIFY can wake the worker in time.
    // Behind PgBouncer there is no LISTEN, and the poll is all there is.
    t = await startTestApp({
      ...webhookEnv(receiver.url),
      WEBHOOK_POLL_MS: TEST_DB === 'pgbouncer' ? '200' : '600000',
    });
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it('delivers a change as soon as it commits, without waiting for the poll', async () => {
    const u = await t.user();
    for (let i = 0; i < 2; i++) {
      const session = await createSession(t, u.auth);
      await eventually('delivered', () => receiver.acknowledged().some((e) => e.data.session_id === session), {
        timeoutMs: 5000,
      });
    }
    expect(receiver.rejected).toEqual([]);
  });
});
