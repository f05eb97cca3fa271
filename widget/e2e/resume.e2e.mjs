// An answer outlives the page's connection: after a reload or a dropped connection mid-answer the
// widget picks the answer up again (GET /api/chat/sessions/{id}/stream), with no text lost or
// doubled; its stop button stops the answer at the server (POST /api/chat/sessions/{id}/stop).
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { describe, test } from 'node:test';
import { assistant, button, chat, idle, openChat, openPage, send, sleep, useStack } from './harness.mjs';

let stack;
let browser;
useStack((s, b) => {
  stack = s;
  browser = b;
});

const rememberedSession = (page, sub) => page.evaluate((k) => localStorage.getItem(k), `pulse-chat:session:${sub}`);

async function until(check, what, timeout = 10_000) {
  const end = Date.now() + timeout;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

/**
 * A TCP hop between the page and the API that can cut every open connection at once, as a
 * flaky network does (Chromium's offline emulation leaves an open stream alone).
 */
async function startCutter(target) {
  const { hostname, port } = new URL(target);
  const sockets = new Set();
  const server = createServer((client) => {
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    origin: `http://127.0.0.1:${server.address().port}`,
    cut: () => sockets.forEach((s) => s.destroy()),
    close: () => {
      sockets.forEach((s) => s.destroy());
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

async function storedAnswer(token, sessionId) {
  const { body } = await stack.call(token, `/api/chat/sessions/${sessionId}?limit=50`);
  return body.messages.find((m) => m.role === 'assistant');
}

describe('answers that outlive the page', () => {
  test('a reload mid-answer shows the whole answer once, as stored', async () => {
    const user = stack.user();
    const words = Array.from({ length: 30 }, (_, i) => `word${i}`);
    stack.upstream.enqueue({ kind: 'text', text: words.join(' '), chunkDelayMs: 80 });
    const page = await openPage(browser, stack.page());
    await openChat(page);
    await send(page, 'Tell me a long story');
    await assistant(page).last().locator('.md').getByText('word2', { exact: false }).waitFor();

    const resumes = [];
    page.on('request', (r) => r.url().endsWith('/stream') && resumes.push(r.url()));
    await page.reload();
    await openChat(page);
    await idle(page);
    await assistant(page).last().locator('.md').getByText('word29', { exact: false }).waitFor();

    assert.ok(resumes.length >= 1, 'the widget resumed the answer in flight');
    const sessionId = await rememberedSession(page, user.id);
    const stored = await until(() => storedAnswer(user.token, sessionId), 'the stored answer');
    assert.equal(stored.content, words.join(' '));
    assert.equal(await assistant(page).count(), 1);
    assert.equal((await assistant(page).last().locator('.md').textContent()).trim(), stored.content);
    assert.equal(stack.upstream.requests.length, 1, 'the model was asked once');
    await page.context().close();
  });

  test('a dropped connection mid-answer is picked up after the last event, nothing lost or doubled', async () => {
    const user = stack.user();
    const words = Array.from({ length: 40 }, (_, i) => `word${i}`);
    stack.upstream.enqueue({ kind: 'text', text: words.join(' '), chunkDelayMs: 60 });
    const cutter = await startCutter(stack.api);
    const snippet =
      `<script src="${cutter.origin}/widget/pulse-chat.js" data-api-url="${cutter.origin}" async></script>` +
      '<script src="/js/chat-token.js" defer></script>';
    const csp = stack.strictCsp.replaceAll(stack.api, cutter.origin);
    const page = await openPage(browser, stack.page(snippet, { embed: false, csp }));
    await openChat(page);
    const resumes = [];
    page.on('request', (r) => r.url().endsWith('/stream') && resumes.push(r.headers()['last-event-id']));
    await send(page, 'Tell me another long story');
    await assistant(page).last().locator('.md').getByText('word3', { exact: false }).waitFor();
    // The network drops every open connection: the answer's stream breaks mid-way.
    cutter.cut();
    await idle(page);
    await assistant(page).last().locator('.md').getByText('word39', { exact: false }).waitFor();

    assert.ok(resumes.length >= 1 && resumes.every((id) => Number(id) > 0), `resumed with Last-Event-ID: ${resumes}`);
    const sessionId = await rememberedSession(page, user.id);
    const stored = await until(() => storedAnswer(user.token, sessionId), 'the stored answer');
    assert.equal(stored.content, words.join(' '));
    assert.equal((await assistant(page).last().locator('.md').textContent()).trim(), stored.content);
    await page.context().close();
    await cutter.close();
  });

  test('stop after a reload stops the answer at the server and shows what was stored', async () => {
    const user = stack.user();
    const words = Array.from({ length: 80 }, (_, i) => `word${i}`);
    stack.upstream.enqueue({ kind: 'text', text: words.join(' '), chunkDelayMs: 100 });
    const page = await openPage(browser, stack.page());
    await openChat(page);
    await send(page, 'Go on and on');
    await assistant(page).last().locator('.md').getByText('word1', { exact: false }).waitFor();
    await page.reload();
    await openChat(page);
    await assistant(page).last().locator('.md').getByText('word4', { exact: false }).waitFor();
    await button(page, 'Stop').click();
    await chat(page).getByText('Stopped.').waitFor();
    await idle(page);

    await until(() => stack.upstream.requests[0]?.aborted, 'the upstream request to be aborted');
    const sessionId = await rememberedSession(page, user.id);
    const stored = await until(() => storedAnswer(user.token, sessionId), 'the stored answer');
    assert.equal(stored.metadata.interrupted, true);
    assert.equal((await assistant(page).last().locator('.md').textContent()).trim(), stored.content.trim());
    assert.ok(stored.content.split(' ').length < words.length);
    await page.context().close();
  });
});
