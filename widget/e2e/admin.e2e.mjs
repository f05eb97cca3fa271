// The dashboard at /admin/ against the real backend (issue 22): sign-in with PULSE_ADMIN_KEY (and
// a host JWT with the pulse_admin role), never with a visitor's token; the numbers of seeded
// traffic (real sends through the fake OpenAI upstream with known token counts, a failed send,
// ratings) exactly as the API counts them; charts drawn; the range picker; sessions' titles and
// text only with ADMIN_CAN_READ_CONVERSATIONS=true; the README's screenshot.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { eventually, screenshotDir } from '@pulse/testkit';
import { AXE, openPage, ROOT, useStack } from './harness.mjs';

const ADMIN_KEY = 'dashboard-test-admin-key-0123456789abcdef';
const axeSource = await readFile(AXE, 'utf8');
const USAGE_A = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
const USAGE_B = { prompt_tokens: 20, completion_tokens: 8, total_tokens: 28 };

/** POST /api/chat/send as JSON (the whole answer at once). */
const sendJson = (stack, token, body) =>
  stack.call(token, '/api/chat/send', {
    method: 'POST',
    headers: { accept: 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify(body),
  });

/**
 * Two visitors: A asks twice in one chat (10 + 5 tokens each), B once (20 + 8) and then a send the
 * upstream fails (500: UPSTREAM_ERROR, the question stored). A rates both answers good, B hers bad.
 */
async function seed(stack, firstQuestion = 'How do I reset my password?') {
  const a = stack.user();
  const b = stack.user();
  stack.upstream.enqueue({ kind: 'text', text: 'Use the link on the sign-in page.', usage: USAGE_A });
  const first = await sendJson(stack, a.token, { message: firstQuestion });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  const sessionA = first.body.session_id;
  stack.upstream.enqueue({ kind: 'text', text: 'Your username is your e-mail address.', usage: USAGE_A });
  assert.equal((await sendJson(stack, a.token, { message: 'And my username?', session_id: sessionA })).status, 200);
  stack.upstream.enqueue({ kind: 'text', text: 'Shipping takes three days.', usage: USAGE_B });
  const third = await sendJson(stack, b.token, { message: 'When will my order arrive?' });
  assert.equal(third.status, 200);
  const sessionB = third.body.session_id;
  stack.upstream.enqueue({ kind: 'error', status: 500 });
  const failed = await sendJson(stack, b.token, { message: 'Hello?', session_id: sessionB });
  assert.deepEqual([failed.status, failed.body.code], [502, 'UPSTREAM_ERROR']);
  const answers = async (token, id) =>
    (await stack.call(token, `/api/chat/sessions/${id}?limit=50`)).body.messages.filter((m) => m.role === 'assistant');
  const rate = async (token, id, rating) =>
    assert.equal(
      (
        await stack.call(token, `/api/chat/messages/${id}/feedback`, {
          method: 'PUT',
          body: JSON.stringify({ rating }),
        })
      ).status,
      200,
    );
  for (const m of await answers(a.token, sessionA)) await rate(a.token, m.id, 'up');
  for (const m of await answers(b.token, sessionB)) await rate(b.token, m.id, 'down');
  return { a, b, sessionA, sessionB };
}

/** An admin token straight from the API, for the test's own calls. */
async function adminToken(stack) {
  const res = await fetch(`${stack.api}/api/admin/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: ADMIN_KEY }),
  });
  return (await res.json()).token;
}

const analytics = async (stack, query) =>
  (await stack.call(await adminToken(stack), `/api/admin/analytics?${new URLSearchParams(query)}`)).body;

const tile = (page, key) => page.locator(`[data-tile=${key}]`);
const tileText = async (page, key) => [
  (await tile(page, key).locator('.value').textContent()).trim(),
  ((await tile(page, key).locator('.sub').count()) ? await tile(page, key).locator('.sub').textContent() : '').trim(),
];

async function dashboard(browser, stack) {
  const page = await openPage(browser, undefined, { locale: 'en-US', timezoneId: 'UTC' });
  page.api = [];
  page.on('response', (r) => {
    const url = new URL(r.url());
    if (url.pathname.startsWith('/api/'))
      page.api.push({ path: url.pathname, query: url.searchParams, status: r.status() });
  });
  await page.goto(`${stack.api}/admin/`);
  await page.getByRole('heading', { name: 'Pulse dashboard' }).waitFor();
  return page;
}

async function signInWithKey(page, key = ADMIN_KEY) {
  await page.getByLabel('Admin key (PULSE_ADMIN_KEY)').fill(key);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

async function axe(page) {
  await page.evaluate(axeSource);
  const { violations } = await page.evaluate(() => window.axe.run(document));
  return violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

const ms = (v) => (v === null ? 'no data' : `${new Intl.NumberFormat('en-US').format(v)} ms`);

describe('the dashboard, conversations hidden (the default)', () => {
  let stack;
  let browser;
  let seeded;
  useStack(
    async (s, b) => {
      stack = s;
      browser = b;
    },
    // One attempt: a delivery the receiver refuses is dead at once, for the Retry test.
    { env: { PULSE_ADMIN_KEY: ADMIN_KEY, WEBHOOK_MAX_ATTEMPTS: '1', WEBHOOK_POLL_MS: '100' } },
  );

  test('served at /admin/ under a strict policy, uncached, holding no data before sign-in', async () => {
    const res = await fetch(`${stack.api}/admin/`);
    assert.equal(res.status, 200);
    const csp = res.headers.get('content-security-policy');
    for (const directive of [
      "default-src 'self'",
      "script-src 'self'",
      "style-src 'self'",
      "connect-src 'self'",
      "frame-ancestors 'none'",
    ])
      assert.ok(csp.split('; ').includes(directive), `${directive} in ${csp}`);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    assert.doesNotMatch(await res.text(), /<style|style=/, 'no inline styles in the page');
    const bare = await fetch(`${stack.api}/admin`, { redirect: 'manual' });
    assert.deepEqual([bare.status, bare.headers.get('location')], [308, '/admin/']);

    const page = await dashboard(browser, stack);
    assert.deepEqual(page.api, [], 'the page asks the API for nothing before sign-in');
    assert.deepEqual(await axe(page), []);
    await page.context().close();
  });

  test('a wrong key is refused in words', async () => {
    const page = await dashboard(browser, stack);
    await signInWithKey(page, 'not-the-admin-key-at-all-0000000');
    await page.getByRole('alert').getByText('That admin key is wrong.').waitFor();
    assert.deepEqual(
      page.api.map((r) => [r.path, r.status]),
      [['/api/admin/token', 401]],
    );
    assert.equal(await tile(page, 'messages').count(), 0);
    await page.context().close();
  });

  test("a visitor's token pasted is refused (403 in words); a host JWT with the pulse_admin role signs in", async () => {
    const page = await dashboard(browser, stack);
    const token = page.getByLabel('Token (a JWT whose role is pulse_admin)');
    await token.fill(stack.mint());
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await page.getByRole('alert').getByText('visitors cannot see the dashboard').waitFor();
    assert.deepEqual(
      page.api.map((r) => [r.path, r.status]),
      [['/api/admin/analytics', 403]],
    );
    assert.equal(await tile(page, 'messages').count(), 0);

    await token.fill(stack.mint(undefined, { claims: { role: 'pulse_admin' } }));
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await tile(page, 'messages').waitFor();
    await page.getByText('Signed in with your token.').waitFor();
    await page.context().close();
  });

  test('a sign-in that expires goes back to the sign-in form and says why', async () => {
    const page = await dashboard(browser, stack);
    const expiresIn = 3;
    const expires = Date.now() + expiresIn * 1000;
    await page
      .getByLabel('Token (a JWT whose role is pulse_admin)')
      .fill(stack.mint(undefined, { expiresIn, claims: { role: 'pulse_admin' } }));
    await page.getByRole('button', { name: 'Sign in with the token' }).click();
    await tile(page, 'messages').waitFor();
    // The server refuses the token from its expiry on (JWT_CLOCK_TOLERANCE_SECONDS=0).
    await eventually('the token expired', () => Date.now() > expires + 1000, { timeoutMs: 10_000, intervalMs: 100 });
    await page.getByLabel('Range').selectOption('7d');
    await page.getByRole('alert').getByText('Your sign-in has expired. Sign in again.').waitFor();
    await page.getByLabel('Admin key (PULSE_ADMIN_KEY)').waitFor();
    assert.equal(await tile(page, 'messages').count(), 0, 'the numbers are gone with the sign-in');
    assert.equal(page.api.at(-1).status, 401);
    await page.context().close();
  });

  test('signed in with the key: the seeded numbers exactly, charts drawn, ranges refetched, sessions without titles', async () => {
    seeded = await seed(stack);
    const page = await dashboard(browser, stack);
    await signInWithKey(page);
    await tile(page, 'messages').waitFor();

    assert.deepEqual(await tileText(page, 'messages'), ['7', '4 questions, 3 answers']);
    assert.deepEqual(await tileText(page, 'active-users'), ['2', '']);
    assert.deepEqual(await tileText(page, 'sessions'), ['2', '']);
    assert.deepEqual(await tileText(page, 'tokens'), ['58', '40 prompt, 18 completion']);
    assert.deepEqual(await tileText(page, 'error-rate'), ['25%', '1 failed send']);
    assert.deepEqual(await tileText(page, 'feedback'), ['66.7%', '2 good, 1 bad']);
    // Latencies are the server's own measurements: the tiles show what the API says.
    const api = (await analytics(stack, { bucket: 'hour' })).totals;
    assert.ok(api.ttft_ms_p50 !== null && api.latency_ms_p95 !== null, 'answers were timed');
    assert.deepEqual(await tileText(page, 'ttft'), [ms(api.ttft_ms_p50), `p95 ${ms(api.ttft_ms_p95)}`]);
    assert.deepEqual(await tileText(page, 'latency'), [ms(api.latency_ms_p50), `p95 ${ms(api.latency_ms_p95)}`]);
    assert.match(await page.locator('[data-feedback]').textContent(), /66\.7% of 3 ratings were good/);
    const errors = page.locator('table.errors tbody tr');
    assert.deepEqual(await errors.allInnerTexts(), ['UPSTREAM_ERROR\t1']);

    // Four charts, each a canvas with a size, and its numbers as a table too.
    const charts = page.locator('pulse-admin-chart');
    assert.equal(await charts.count(), 4);
    for (const canvas of await page.locator('pulse-admin-chart canvas').all()) {
      const box = await canvas.boundingBox();
      assert.ok(box.width > 200 && box.height > 100, `a chart of ${box.width}x${box.height}`);
    }
    assert.equal(
      await charts.first().locator('details tbody tr').count(),
      24 + 1,
      'the last 24 hours touch 25 UTC hours',
    );

    // The longest sessions: ids only, nothing to open.
    const rows = page.locator('table.sessions tbody tr');
    assert.equal(await rows.count(), 2);
    assert.deepEqual(
      await rows.evaluateAll((trs) => trs.map((tr) => [...tr.cells].slice(0, 3).map((c) => c.textContent.trim()))),
      [
        [seeded.sessionA.slice(0, 8), seeded.a.id.slice(0, 8), '4'],
        [seeded.sessionB.slice(0, 8), seeded.b.id.slice(0, 8), '3'],
      ],
    );
    assert.equal(await page.locator('table.sessions button').count(), 0);
    assert.equal(await page.getByText('How do I reset my password?').count(), 0, 'no title on the page');
    await page.getByText('Titles and messages are hidden').waitFor();

    // The token stays in memory.
    assert.deepEqual(await page.evaluate(() => [localStorage.length, sessionStorage.length, document.cookie]), [
      0,
      0,
      '',
    ]);
    assert.deepEqual(await axe(page), []);

    // The README's screenshot.
    const dir = screenshotDir(join(ROOT, 'docs/screenshots'));
    await page.mouse.move(0, 0);
    await page.evaluate(() => document.activeElement?.blur());
    await page.screenshot({ path: join(dir, 'dashboard.png'), fullPage: true, animations: 'disabled', caret: 'hide' });

    // Another range asks again: 7 days by day, then a custom range before any traffic.
    const asked = () => page.api.filter((r) => r.path === '/api/admin/analytics');
    const before = asked().length;
    await page.getByLabel('Range').selectOption('7d');
    await page.getByRole('status').getByText('by day').waitFor();
    assert.equal(asked().length, before + 1);
    assert.equal(asked().at(-1).query.get('bucket'), 'day');
    assert.equal(await charts.first().locator('details tbody tr').count(), 8, '7 days touch 8 UTC days');
    assert.deepEqual(await tileText(page, 'messages'), ['7', '4 questions, 3 answers']);

    await page.getByLabel('Range').selectOption('custom');
    const day = 86_400_000;
    const local = (t) => new Date(t).toISOString().slice(0, 16);
    await page.getByLabel('From').fill(local(Date.now() - 10 * day));
    await page.getByLabel('To').fill(local(Date.now() - 9 * day));
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('status').getByText('by hour').waitFor();
    assert.deepEqual(await tileText(page, 'messages'), ['0', '0 questions, 0 answers']);
    assert.deepEqual(await tileText(page, 'error-rate'), ['no data', '0 failed sends']);
    await page.getByText('No sessions with messages in this range.').waitFor();

    // An end before the start is refused here, without asking the server.
    const count = asked().length;
    await page.getByLabel('To').fill(local(Date.now() - 11 * day));
    await page.getByRole('button', { name: 'Show' }).click();
    await page.getByRole('alert').getByText('The start must be before the end.').waitFor();
    assert.equal(asked().length, count);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByLabel('Admin key (PULSE_ADMIN_KEY)').waitFor();
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('webhooks: endpoints with their deliveries by status; a dead delivery retried from its row', async () => {
    // A receiver that refuses (500) until told to accept.
    const hits = [];
    let answer = 500;
    const receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        hits.push({ id: req.headers['webhook-id'], status: answer });
        res.writeHead(answer).end();
      });
    });
    await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${receiver.address().port}/hooks/pulse`;
    try {
      const admin = await adminToken(stack);
      const created = await stack.call(admin, '/api/admin/webhooks', {
        method: 'POST',
        body: JSON.stringify({ url, events: ['session.created'] }),
      });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const visitor = stack.user();
      stack.upstream.enqueue({ kind: 'text', text: 'Hello.' });
      assert.equal((await sendJson(stack, visitor.token, { message: 'Anyone there?' })).status, 200);
      await eventually('the delivery refused and dead', async () => {
        const { body } = await stack.call(admin, '/api/admin/webhooks/deliveries?status=dead');
        return body.deliveries.length === 1;
      });

      const page = await dashboard(browser, stack);
      await signInWithKey(page);
      const endpoints = page.locator('table.endpoints tbody tr');
      await endpoints.first().waitFor();
      const countsOf = (row) => row.evaluate((tr) => [...tr.cells].map((c) => c.textContent.trim()));
      assert.deepEqual(await countsOf(endpoints.first()), [url, 'session.created', 'Yes', '0', '0', '1']);
      const deliveries = page.locator('table.deliveries tbody tr');
      assert.equal(await deliveries.count(), 1, 'dead deliveries are shown first');
      const row = deliveries.first();
      assert.deepEqual((await countsOf(row)).slice(1, 6), ['session.created', url, 'Dead', '1', 'HTTP 500']);
      assert.deepEqual(await axe(page), []);

      answer = 204;
      await row.getByRole('button', { name: /^Retry the session\.created delivery/ }).click();
      await page
        .getByRole('status')
        .getByText(/^Sent again: the session\.created delivery is now (pending|delivered)\.$/)
        .waitFor();
      await eventually('the receiver took it', () => hits.some((h) => h.status === 204));
      assert.deepEqual(
        hits.map((h) => h.status),
        [500, 204],
      );
      assert.equal(hits[0].id, hits[1].id, 'the same webhook-id on the retry');
      await page.locator('pulse-admin-webhooks').getByLabel('Show deliveries').selectOption('delivered');
      await deliveries.first().getByText('Delivered').waitFor();
      assert.deepEqual(await countsOf(endpoints.first()), [url, 'session.created', 'Yes', '0', '1', '0']);
      await page.locator('pulse-admin-webhooks').getByLabel('Show deliveries').selectOption('dead');
      await page.getByText('No deliveries with this status.').waitFor();
      assert.deepEqual(page.errors, []);
      await page.context().close();
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });
});

describe('the dashboard with ADMIN_CAN_READ_CONVERSATIONS=true', () => {
  let stack;
  let browser;
  useStack(
    (s, b) => {
      stack = s;
      browser = b;
    },
    { env: { PULSE_ADMIN_KEY: ADMIN_KEY, ADMIN_CAN_READ_CONVERSATIONS: 'true' } },
  );

  test("sessions' titles, and a conversation on click, its text shown as text", async () => {
    const hostile = '<img src=x onerror="window.__xss=1"> <b>Reset</b> it?';
    const seeded = await seed(stack, hostile);
    const page = await dashboard(browser, stack);
    await signInWithKey(page);
    const rows = page.locator('table.sessions tbody tr');
    await rows.first().waitFor();
    assert.deepEqual(await page.locator('table.sessions tbody th').allInnerTexts(), [
      hostile,
      'When will my order arrive?',
    ]);
    await page.locator('table.sessions').getByRole('button', { name: hostile }).click();
    const conversation = page.getByRole('region', { name: hostile });
    await conversation.locator('li').nth(3).waitFor();
    assert.deepEqual(await conversation.locator('li p').allInnerTexts(), [
      hostile,
      'Use the link on the sign-in page.',
      'And my username?',
      'Your username is your e-mail address.',
    ]);
    assert.equal(await page.locator('pulse-admin img').count(), 0, 'markup in the text stays text');
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.equal(
      await page.evaluate(() => document.activeElement?.id),
      'conversation-heading',
      'focus moves to the opened conversation',
    );
    assert.deepEqual(await axe(page), []);
    await conversation.getByRole('button', { name: 'Close conversation' }).click();
    assert.equal(await conversation.count(), 0);
    assert.ok(seeded.sessionB);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
