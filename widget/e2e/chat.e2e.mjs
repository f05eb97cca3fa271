// The widget embedded by script tag on another origin, against the real backend and the LLM
// stand-in: streaming, stop, retry after an upstream failure, token expiry, signed out.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually } from '@pulse/testkit';
import {
  assistant,
  button,
  chat,
  idle,
  input,
  openChat,
  openPage,
  rememberedSession,
  send,
  sleep,
  useStack,
  userMessages,
} from './harness.mjs';

let stack;
let browser;
useStack((s, b) => {
  stack = s;
  browser = b;
});

async function storedMessages(token, sessionId) {
  const { status, body } = await stack.call(token, `/api/chat/sessions/${sessionId}?limit=50`);
  assert.equal(status, 200, JSON.stringify(body));
  return body.messages;
}

describe('embedded by script tag on another origin', () => {
  test('the answer streams in as it is generated and equals what the backend stored', async () => {
    const user = stack.user();
    const answer = 'Our shop opens at nine and closes at six, Monday to Saturday, and on Sundays from ten to four.';
    stack.upstream.enqueue({ kind: 'text', text: answer, chunkDelayMs: 120 });
    const page = await openPage(browser, stack.page());
    await openChat(page);
    await send(page, 'When are you open?');
    await userMessages(page).getByText('When are you open?').waitFor();
    const bubble = await userMessages(page).last().boundingBox();
    assert.ok(bubble.height < 60, `a one-line message is one line high (${bubble.height}px)`);

    const md = assistant(page).last().locator('.md');
    await md.waitFor();
    const seen = [];
    for (let text = ''; text !== answer;) {
      text = (await md.textContent()).trim();
      if (seen.at(-1) !== text) seen.push(text);
      await sleep(40);
    }
    const partial = seen.filter((t) => t && t !== answer);
    assert.ok(partial.length >= 3, `the text grew in steps: ${JSON.stringify(seen)}`);
    for (let i = 1; i < partial.length; i++)
      assert.ok(partial[i].startsWith(partial[i - 1]), 'each step extends the last');
    await idle(page);

    const sessionId = await rememberedSession(page, user.id);
    assert.match(sessionId, /^[0-9a-f-]{36}$/);
    const messages = await storedMessages(user.token, sessionId);
    assert.deepEqual(
      messages.map((m) => [m.role, m.content]),
      [
        ['user', 'When are you open?'],
        ['assistant', answer],
      ],
    );
    assert.equal((await md.textContent()).trim(), messages[1].content);
    const sent = stack.upstream.requests[0].body.messages.at(-1);
    assert.deepEqual(sent, { role: 'user', content: 'When are you open?' });
    assert.deepEqual(
      await page.evaluate(() => window.__csp),
      [],
      'the README embed needs nothing beyond the API origin',
    );
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('stop aborts the upstream request and keeps the partial answer, stored as interrupted', async () => {
    const user = stack.user();
    const words = Array.from({ length: 60 }, (_, i) => `word${i}`);
    stack.upstream.enqueue({ kind: 'text', text: words.join(' '), chunkDelayMs: 200 });
    const page = await openPage(browser, stack.page());
    await openChat(page);
    await send(page, 'Tell me a long story');
    const md = assistant(page).last().locator('.md');
    await md.getByText('word2', { exact: false }).waitFor();
    await button(page, 'Stop').click();
    await chat(page).getByText('Stopped.').waitFor();
    await idle(page);

    await eventually('the upstream request to be aborted', () => stack.upstream.requests[0]?.aborted);
    const shown = (await md.textContent()).trim();
    assert.match(shown, /^word0 word1 word2/);
    assert.ok(!shown.includes('word59'), 'the answer stopped early');

    const sessionId = await rememberedSession(page, user.id);
    const reply = await eventually('the stored answer', async () =>
      (await storedMessages(user.token, sessionId)).find((m) => m.role === 'assistant'),
    );
    assert.equal(reply.metadata.interrupted, true);
    assert.ok(reply.content.startsWith(shown), `stored "${reply.content}" begins with what was shown`);
    assert.ok(reply.content.split(' ').length < words.length);
    // Still there after a reload: the widget reads it back as an interrupted answer.
    await page.reload();
    await openChat(page);
    await assistant(page).last().getByText('Stopped.').waitFor();
    assert.equal((await assistant(page).last().locator('.md').textContent()).trim(), reply.content);
    await page.context().close();
  });

  test('retry after an upstream failure answers once, storing the question once', async () => {
    const user = stack.user();
    stack.upstream.enqueue({ kind: 'error', status: 500 });
    const page = await openPage(browser, stack.page());
    await page.addInitScript(() => {
      window.__errors = [];
      document.addEventListener('pulse-error', (e) => window.__errors.push(e.detail.code));
    });
    await page.reload();
    await openChat(page);
    await send(page, 'Is the espresso machine back?');
    // The server kept the question (UPSTREAM_*): the note says so and the action asks it again.
    await chat(page).locator('.note.error').getByText('Your message was saved, but no answer came.').waitFor();
    assert.deepEqual(await page.evaluate(() => window.__errors), ['UPSTREAM_ERROR']);
    assert.equal(await assistant(page).count(), 0, 'no empty answer is left behind');

    await button(page, 'Ask again').click();
    await assistant(page).last().getByText('Echo: Is the espresso machine back?').waitFor();
    await idle(page);
    assert.equal(await chat(page).locator('.note.error').count(), 0);

    const [first, second] = stack.upstream.requests;
    assert.ok(first && second, 'the upstream was asked twice');
    const sessionId = await rememberedSession(page, user.id);
    const messages = await storedMessages(user.token, sessionId);
    assert.deepEqual(
      messages.map((m) => [m.role, m.content]),
      [
        ['user', 'Is the espresso machine back?'],
        ['assistant', 'Echo: Is the espresso machine back?'],
      ],
    );
    const sessions = await stack.call(user.token, '/api/chat/sessions');
    assert.equal(sessions.body.data.length, 1, 'the retry did not start a second chat');
    await page.context().close();
  });

  test('an expired token is replaced through getToken after the 401, and the send succeeds', async () => {
    const user = stack.user();
    // Minted when the page first asks, so its 3 s start then rather than at test set-up.
    let short;
    let expiresAt;
    let current = () => {
      if (!short) {
        short = stack.mint(user.id, { expiresIn: 3 });
        expiresAt = Date.now() + 3000;
      }
      return short;
    };
    const fresh = stack.mint(user.id);
    stack.host.state.token = () => current();
    const page = await openPage(browser);
    // Counts the README setup file's getToken calls (it fetches the host's /my-session/jwt).
    await page.addInitScript(() => {
      window.__tokenCalls = 0;
      const original = window.fetch;
      window.fetch = function (url, init) {
        if (String(url).endsWith('/my-session/jwt')) window.__tokenCalls++;
        return original.call(this, url, init);
      };
    });
    const responses = [];
    page.on('response', (r) => r.url().includes('/api/chat/send') && responses.push(r.status()));
    await page.goto(stack.page());
    await openChat(page);
    await send(page, 'first');
    await assistant(page).last().getByText('Echo: first').waitFor();
    await idle(page);
    assert.deepEqual(responses, [200], 'the short-lived token was still valid');
    const callsBefore = await page.evaluate(() => window.__tokenCalls);
    assert.ok(callsBefore >= 1);
    assert.equal(stack.host.state.tokenHits, callsBefore);

    await sleep(Math.max(0, expiresAt - Date.now()) + 500);
    current = () => fresh;
    assert.equal((await stack.call(short, '/api/chat/sessions')).status, 401, 'the first token has expired');
    await send(page, 'second');
    await assistant(page).last().getByText('Echo: second').waitFor();
    await idle(page);
    assert.deepEqual(responses, [200, 401, 200], 'the expired token was refused once, then the fresh one worked');
    assert.equal(await page.evaluate(() => window.__tokenCalls), callsBefore + 1, 'getToken was asked once more');
    const messages = await storedMessages(fresh, await rememberedSession(page, user.id));
    assert.deepEqual(
      messages.map((m) => m.content),
      ['first', 'Echo: first', 'second', 'Echo: second'],
    );
    await page.context().close();
  });

  test('without a token the sign-in message shows and no request carries a bearer', async () => {
    stack.user();
    stack.host.state.token = () => null;
    const page = await openPage(browser);
    const authorized = [];
    page.on('request', (r) => r.headers().authorization && authorized.push(r.url()));
    await page.goto(stack.page());
    await launcher(page).click();
    await chat(page).getByText('Please sign in to chat with us.').waitFor();
    assert.equal(await input(page).count(), 0, 'no composer while signed out');
    assert.ok(stack.host.state.tokenHits >= 1, 'getToken was asked');
    await sleep(300);
    assert.deepEqual(authorized, []);
    assert.equal(stack.upstream.requests.length, 0);
    await page.context().close();
  });
});

function launcher(page) {
  return chat(page).locator('[part=launcher]');
}
