// The widget against three Pulse replicas behind HAProxy (round-robin, no stickiness) over one
// Postgres database and Redis: after a reload mid-answer it resumes, and its stop button stops,
// an answer that another replica produces. The producing replica is the one that answered the
// send (the balancer's X-Served-By header); it is then drained at the balancer, as an operator
// takes a replica out of rotation, so every later request (the reload's resume, the stop) must
// land on another replica, and the test checks that it did.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createPostgresDatabase, eventually, startBalancer } from '@pulse/testkit';
import {
  assistant,
  button,
  chat,
  idle,
  longAnswer,
  openChat,
  rememberedSession,
  showing,
  shownAnswer,
  startServer,
  useStack,
} from './harness.mjs';

const ADMIN_URL = process.env.PULSE_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.PULSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Three built servers on one fresh Postgres database and Redis (a key prefix of their own), behind HAProxy. */
async function startReplicas(env) {
  const db = await createPostgresDatabase(ADMIN_URL, 'pulse_widget_e2e');
  const shared = {
    ...env,
    DATABASE_URL: db.url,
    REDIS_URL,
    REDIS_KEY_PREFIX: `pulse-widget-e2e-${process.pid}-${Date.now()}:`,
  };
  const servers = [];
  let balancer;
  const stop = async () => {
    await balancer?.stop();
    await Promise.all(servers.map((s) => s.stop()));
    await db.drop();
  };
  try {
    // The first applies the migrations; the others find them done.
    servers.push(await startServer(shared));
    const rest = await Promise.allSettled([startServer(shared), startServer(shared)]);
    servers.push(...rest.filter((r) => r.status === 'fulfilled').map((r) => r.value));
    const failed = rest.find((r) => r.status === 'rejected');
    if (failed) throw failed.reason;
    balancer = await startBalancer(servers.map((s, i) => ({ name: `r${i + 1}`, port: s.port })));
  } catch (e) {
    await stop();
    throw e;
  }
  return { origin: balancer.url, balancer, stop };
}

let stack;
let browser;
useStack(
  (s, b) => {
    stack = s;
    browser = b;
  },
  { backend: startReplicas },
);

/** The replica producing the page's answer: the one that answered its send. */
function producerOf(page) {
  const sent = page.served.find((r) => r.method === 'POST' && r.path === '/api/chat/send');
  assert.ok(sent, `the send went through the balancer: ${JSON.stringify(page.served)}`);
  return sent.by;
}

/** Takes the producer out of rotation for `during`, then back. */
async function drained(producer, during) {
  await stack.backend.balancer.drain(producer);
  try {
    return await during();
  } finally {
    await stack.backend.balancer.ready(producer);
  }
}

const servedFor = (page, suffix) => page.served.filter((r) => r.path.endsWith(suffix));

describe('three replicas behind a round-robin balancer', () => {
  test('a reload mid-answer resumes on another replica: the whole answer shown once, as stored', async () => {
    // 8 s of answer: the reload and the widget's start fit in it on a loaded machine.
    const { user, page, words } = await longAnswer(stack, browser, { count: 80, chunkDelayMs: 100, reached: 'word2' });
    const producer = producerOf(page);
    await drained(producer, async () => {
      await page.reload();
      await openChat(page);
      await showing(page, `word${words.length - 1}`, 30_000);
      await idle(page);
    });

    const resumes = servedFor(page, '/stream');
    assert.ok(
      resumes.length >= 1 && resumes.every((r) => r.by !== producer),
      `resumed away from ${producer}: ${JSON.stringify(resumes)}`,
    );
    assert.equal(resumes[0].status, 200, 'the answer was still in flight when the widget resumed it');
    const sessionId = await rememberedSession(page, user.id);
    const stored = await eventually('the stored answer', () => stack.storedAnswer(user.token, sessionId));
    assert.equal(stored.content, words.join(' '));
    assert.equal(await assistant(page).count(), 1);
    assert.equal(await shownAnswer(page), stored.content);
    assert.equal(stack.upstream.requests.length, 1, 'the model was asked once');
    process.stdout.write(`  figure: produced on ${producer}, resumed on ${resumes.map((r) => r.by).join(', ')}\n`);
    await page.context().close();
  });

  test('stop after a reload, landing on another replica, stops the answer where it is produced', async () => {
    const { user, page, words } = await longAnswer(stack, browser, { count: 300, chunkDelayMs: 100, reached: 'word1' });
    const producer = producerOf(page);
    await drained(producer, async () => {
      await page.reload();
      await openChat(page);
      await showing(page, 'word4');
      await button(page, 'Stop').click();
      await chat(page).getByText('Stopped.').waitFor();
      await idle(page);
    });

    // The stopped stream can end, relayed through Redis, before the stop's own response reaches the
    // page: the widget is idle then, but the response may still be on its way.
    const [stop] = await eventually('the stop request through the balancer', () => {
      const stops = servedFor(page, '/stop');
      return stops.length ? stops : undefined;
    });
    assert.ok(stop.by !== producer, `the stop landed away from ${producer}: ${JSON.stringify(stop)}`);
    assert.equal(stop.status, 200, 'an answer was in flight to stop');
    await eventually('the model call to be aborted', () => stack.upstream.requests[0]?.aborted);
    const sessionId = await rememberedSession(page, user.id);
    const stored = await eventually('the stored answer', () => stack.storedAnswer(user.token, sessionId));
    assert.equal(stored.metadata.interrupted, true);
    assert.equal(await shownAnswer(page), stored.content);
    assert.ok(stored.content.split(' ').length < words.length, 'the answer stopped before its end');
    process.stdout.write(
      `  figure: produced on ${producer}, stopped through ${stop.by}; ${stored.content.split(' ').length} words kept\n`,
    );
    await page.context().close();
  });
});
