// An answer outlives the page's connection: after a reload or a dropped connection mid-answer the
// widget picks the answer up again (GET /api/chat/sessions/{id}/stream), with no text lost or
// doubled; its stop button stops the answer at the server (POST /api/chat/sessions/{id}/stop).
import assert from 'node:assert/strict';
import { connect, createServer } from 'node:net';
import { describe, test } from 'node:test';
import { eventually } from '@pulse/testkit';
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
  useStack,
} from './harness.mjs';

let stack;
let browser;
useStack((s, b) => {
  stack = s;
  browser = b;
});

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

describe('answers that outlive the page', () => {
  test('a reload mid-answer shows the whole answer once, as stored', async () => {
    // Long enough (8 s) that the reloaded page finds the answer still running on a busy machine.
    const { user, page, words } = await longAnswer(stack, browser, { count: 80, chunkDelayMs: 100, reached: 'word2' });
    const resumes = [];
    page.on('request', (r) => r.url().endsWith('/stream') && resumes.push(r.url()));
    await page.reload();
    await openChat(page);
    await idle(page);
    await showing(page, 'word79');

    assert.ok(resumes.length >= 1, 'the widget resumed the answer in flight');
    const sessionId = await rememberedSession(page, user.id);
    const stored = await eventually('the stored answer', () => stack.storedAnswer(user.token, sessionId));
    assert.equal(stored.content, words.join(' '));
    assert.equal(await assistant(page).count(), 1);
    assert.equal(await shownAnswer(page), stored.content);
    assert.equal(stack.upstream.requests.length, 1, 'the model was asked once');
    await page.context().close();
  });

  test('a dropped connection mid-answer is picked up after the last event, nothing lost or doubled', async () => {
    const cutter = await startCutter(stack.api);
    const snippet =
      `<script src="${cutter.origin}/widget/pulse-chat.js" data-api-url="${cutter.origin}" async></script>` +
      '<script src="/js/chat-token.js" defer></script>';
    const csp = stack.strictCsp.replaceAll(stack.api, cutter.origin);
    const url = stack.page(snippet, { embed: false, csp });
    const { user, page, words } = await longAnswer(stack, browser, {
      count: 60,
      chunkDelayMs: 80,
      reached: 'word3',
      url,
    });
    const resumes = [];
    page.on('request', (r) => r.url().endsWith('/stream') && resumes.push(r.headers()['last-event-id']));
    // The network drops every open connection: the answer's stream breaks mid-way.
    cutter.cut();
    await idle(page);
    await showing(page, 'word59');

    assert.ok(resumes.length >= 1 && resumes.every((id) => Number(id) > 0), `resumed with Last-Event-ID: ${resumes}`);
    const sessionId = await rememberedSession(page, user.id);
    const stored = await eventually('the stored answer', () => stack.storedAnswer(user.token, sessionId));
    assert.equal(stored.content, words.join(' '));
    assert.equal(await shownAnswer(page), stored.content);
    await page.context().close();
    await cutter.close();
  });

  test('stop after a reload stops the answer at the server and shows what was stored', async () => {
    const { user, page, words } = await longAnswer(stack, browser, { count: 80, chunkDelayMs: 100, reached: 'word1' });
    await page.reload();
    await openChat(page);
    await showing(page, 'word4');
    await button(page, 'Stop').click();
    await chat(page).getByText('Stopped.').waitFor();
    await idle(page);

    await eventually('the upstream request to be aborted', () => stack.upstream.requests[0]?.aborted);
    const sessionId = await rememberedSession(page, user.id);
    const stored = await eventually('the stored answer', () => stack.storedAnswer(user.token, sessionId));
    assert.equal(stored.metadata.interrupted, true);
    assert.equal(await shownAnswer(page), stored.content.trim());
    assert.ok(stored.content.split(' ').length < words.length);
    await page.context().close();
  });
});
