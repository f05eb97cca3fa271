// Issue 10 in the widget against the fake API (which speaks the API contract): errors
// that say what happened, paragraphs and nested lists, the message controls (copy, regenerate,
// edit, versions, rating), the chats list's search and delete confirmation, timestamps, the
// phone's full-screen focus trap and the languages loaded as their own chunks.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { beforeEach, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { eventually, screenshotDir } from '@pulse/testkit';
import { events, html, jwt, openPage, useServer } from './helpers.mjs';

const TOKEN = jwt('user-1');
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let server;
let browser;

useServer((s, b) => {
  server = s;
  browser = b;
  const embed = (o) => `<script src="/widget/pulse-chat.js" data-api-url="${o}" async></script>`;
  server.pages.set('/', (o) => html(embed(o)));
  // The API on a port where nothing listens: the server is down (or CORS refused it, which fetch reports the same way).
  server.pages.set('/down', () =>
    html(`<script src="/widget/pulse-chat.js" data-api-url="http://127.0.0.1:9" async></script>`),
  );
  // A page with things of its own to focus, which Tab must not reach under the full-screen panel.
  server.pages.set('/links', (o) =>
    html(`<a href="#a">Page link</a><button type="button">Page button</button>${embed(o)}`),
  );
  for (const lang of ['fr', 'es', 'ar', 'ja']) server.pages.set(`/${lang}`, (o) => html(embed(o), { lang }));
});
beforeEach(() => server.api.reset());

const chat = (page) => page.locator('pulse-chat');
const input = (page) => page.locator('pulse-chat form[part=composer] textarea');
const assistant = (page) => page.locator('pulse-chat [part~=assistant-message]');
const userMessages = (page) => page.locator('pulse-chat [part~=user-message]');
const button = (scope, name) => scope.getByRole('button', { name, exact: true });
const requests = (method, pattern) => server.api.requests.filter((r) => r.method === method && pattern.test(r.path));
const received = (page, n) =>
  page.waitForFunction((c) => window.__events.filter((e) => e.type === 'pulse-message-received').length >= c, n);

async function openChat(path = '/', options = {}) {
  const page = await openPage(browser, `${server.origin}${path}`, { token: TOKEN, ...options });
  await page.locator('pulse-chat [part=launcher]').click();
  await input(page).waitFor();
  return page;
}

async function type(page, text) {
  await input(page).fill(text);
  await input(page).press('Enter');
}

async function axe(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'],
      resultTypes: ['violations'],
    }),
  );
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('errors say what happened', () => {
  test('server unreachable: "not sent", and Retry sends the same message again once it is back', async () => {
    const page = await openChat('/down');
    await type(page, 'Anyone there?');
    const note = userMessages(page).locator('.note.error');
    await note.getByText('Message not sent: the chat server could not be reached.').waitFor();
    assert.equal((await events(page, 'pulse-error'))[0].detail.code, 'NETWORK_ERROR');
    assert.equal(server.api.requests.length, 0);
    await page.evaluate((o) => window.PulseChat.init({ apiUrl: o }), server.origin);
    await button(note, 'Retry').click();
    await assistant(page).getByText('world').waitFor();
    assert.deepEqual(
      requests('POST', /^\/api\/chat\/send$/).map((r) => r.body.message),
      ['Anyone there?'],
    );
    await page.context().close();
  });

  test('rate limited: says when to try again (from Retry-After); Retry then sends', async () => {
    server.api.rateLimit = { count: 1, retryAfter: 42 };
    const page = await openChat();
    await type(page, 'Quick question');
    const note = userMessages(page).locator('.note.error');
    await note.getByText('Too many messages. Try again in 42 s.').waitFor();
    assert.equal((await events(page, 'pulse-error'))[0].detail.code, 'RATE_LIMITED');
    await button(note, 'Retry').click();
    await assistant(page).getByText('world').waitFor();
    const [first, second] = requests('POST', /^\/api\/chat\/send$/);
    assert.equal(second.headers['idempotency-key'], first.headers['idempotency-key']);
    await page.context().close();
  });

  test('getToken throwing, or returning nothing, is "signed out", never a network error', async () => {
    for (const provider of ['throws', 'empty']) {
      const page = await openPage(browser, `${server.origin}/`);
      await page.evaluate((p) => {
        window.PulseChat.init({
          getToken: () => {
            if (p === 'throws') throw new Error('session endpoint answered 500');
            return '';
          },
        });
      }, provider);
      await page.evaluate(() => window.PulseChat.send('Hello?'));
      await chat(page).locator('.signin').getByText('Please sign in to chat with us.').waitFor();
      assert.equal(
        await chat(page)
          .getByText(/not sent/)
          .count(),
        0,
        provider,
      );
      assert.deepEqual(
        (await events(page, 'pulse-error')).map((e) => e.detail.code),
        ['NO_TOKEN'],
        provider,
      );
      assert.equal(server.api.requests.length, 0, `${provider}: no request without a token`);
      await page.context().close();
    }
  });

  test('a getToken that starts failing mid-chat (the host session ended) shows the sign-in text', async () => {
    const page = await openPage(browser, `${server.origin}/`);
    await page.evaluate((t) => {
      window.__token = t;
      window.PulseChat.init({
        getToken: async () => {
          if (!window.__token) throw new Error('401 from /my-session/jwt');
          return window.__token;
        },
      });
    }, TOKEN);
    await page.evaluate(() => window.PulseChat.send('First'));
    await received(page, 1);
    server.api.validTokens.clear();
    await page.evaluate(() => (window.__token = null));
    await type(page, 'Second');
    await chat(page).locator('.signin').getByText('Please sign in to chat with us.').waitFor();
    assert.deepEqual(
      (await events(page, 'pulse-error')).map((e) => e.detail.code),
      ['NO_TOKEN'],
    );
    await page.context().close();
  });
});

describe('reading', () => {
  test('real paragraphs, nested lists, and no stray gap after a list', async () => {
    server.api.reply = {
      deltas: [
        'First paragraph,\nits second line.\n\nSecond paragraph.\n\n',
        '- one\n  - one.a\n  - one.b\n- two\n\nAfter the list.',
      ],
      delayMs: 10,
    };
    const page = await openChat();
    await type(page, 'Format please');
    const md = assistant(page).last().locator('.md');
    await md.getByText('After the list.').waitFor();
    const shape = await md.evaluate((el) => ({
      children: [...el.children].map((c) => c.localName),
      nested: [...el.querySelectorAll(':scope > ul > li > ul > li')].map((li) => li.textContent),
      firstP: el.querySelector('p').innerHTML,
      gap:
        el.querySelector('ul + p').getBoundingClientRect().top -
        el.querySelector(':scope > ul').getBoundingClientRect().bottom,
      paraGap:
        el.querySelectorAll('p')[1].getBoundingClientRect().top -
        el.querySelectorAll('p')[0].getBoundingClientRect().bottom,
    }));
    assert.deepEqual(shape.children, ['p', 'p', 'ul', 'p'], 'paragraphs are <p>, not <br> joins');
    assert.deepEqual(shape.nested, ['one.a', 'one.b']);
    assert.equal(
      shape.firstP,
      'First paragraph,<br>its second line.',
      'a single line break stays inside its paragraph',
    );
    assert.equal(shape.gap, shape.paraGap, `the gap after the list (${shape.gap}px) is the paragraph gap`);
    await page.context().close();
  });
});

describe('message controls', () => {
  test('copy copies an answer and a code block; timestamps and day separators show', async () => {
    const old = server.api.addSession('Old chat', 2, { daysAgo: 3 });
    server.api.reply = { deltas: ['Run this:\n\n```sh\nnpm ci\n```\n'], delayMs: 10 };
    const page = await openPage(browser, `${server.origin}/`, {
      token: TOKEN,
      contextOptions: { permissions: ['clipboard-read', 'clipboard-write'] },
    });
    await page.evaluate((id) => localStorage.setItem('pulse-chat:session:user-1', id), old.id);
    await page.reload();
    await page.locator('pulse-chat [part=launcher]').click();
    await chat(page).getByText('Old chat message 2').waitFor();
    await type(page, 'How do I install?');
    await received(page, 1);
    const days = await chat(page).locator('li.day').allTextContents();
    assert.equal(days.length, 2, `one separator per day: ${days}`);
    assert.equal(days[1], 'Today');
    assert.notEqual(days[0], 'Today');
    const times = await chat(page)
      .locator('[part=message-actions] time')
      .evaluateAll((t) => t.map((x) => x.dateTime));
    assert.equal(times.length, 4);
    assert.equal(times[0], server.api.messages.get(old.id)[0].created_at);

    const answer = assistant(page).last();
    await button(answer, 'Copy').click();
    await button(answer, 'Copied').waitFor();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'Run this:\n\n```sh\nnpm ci\n```\n');
    await button(answer, 'Copy code').click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'npm ci');
    assert.deepEqual(await axe(page), []);
    await page.context().close();
  });

  test('regenerate adds a version, ‹ › switches between versions through the branch endpoint', async () => {
    const page = await openChat();
    await type(page, 'Tell me a joke');
    await received(page, 1);
    const firstAnswer = server.api.sessions[0].leaf;
    server.api.reply = { deltas: ['Another ', 'one'], delayMs: 10 };
    await button(assistant(page).last(), 'Regenerate').click();
    await assistant(page).last().getByText('Another one').waitFor();
    const [regen] = requests('POST', /\/regenerate$/);
    assert.equal(regen.path, `/api/chat/sessions/${server.api.sessions[0].id}/messages/${firstAnswer}/regenerate`);
    assert.match(regen.headers['idempotency-key'], /^[0-9a-f-]{36}$/);
    assert.equal(await assistant(page).count(), 1, 'the new version replaces the old in view');
    const versions = assistant(page).locator('.versions');
    await versions.getByText('2/2').waitFor();

    await button(versions, 'Previous version').click();
    await versions.getByText('1/2').waitFor();
    await assistant(page).getByText('Hello, world!').waitFor();
    assert.deepEqual(requests('POST', /\/branch$/).at(-1).body, { message_id: firstAnswer });
    assert.deepEqual(await axe(page), []);
    await page.context().close();
  });

  test('edit and resend asks the changed question as a new version of it', async () => {
    const page = await openChat();
    await type(page, 'Wha is the capital?');
    await received(page, 1);
    const question = userMessages(page).last();
    await button(question, 'Edit').click();
    const box = question.getByRole('textbox', { name: 'Edit' });
    assert.equal(await box.inputValue(), 'Wha is the capital?');
    await box.fill('What is the capital of France?');
    await button(question, 'Save').click();
    await userMessages(page).last().getByText('What is the capital of France?').waitFor();
    await received(page, 2);
    const [edit] = requests('POST', /\/edit$/);
    assert.deepEqual(edit.body, { message: 'What is the capital of France?' });
    await userMessages(page).last().locator('.versions').getByText('2/2').waitFor();
    assert.equal(await userMessages(page).count(), 1);
    await page.context().close();
  });

  /** A chat with one answer to rate: the page, that answer and its message id. */
  async function answerToRate() {
    const page = await openChat();
    await type(page, 'Rate me');
    await received(page, 1);
    return { page, answer: assistant(page).last(), id: server.api.sessions[0].leaf };
  }

  test('thumbs up and down with an optional comment; the same thumb again takes it back', async () => {
    const { page, answer, id } = await answerToRate();
    await button(answer, 'Good answer').click();
    await answer.locator('[aria-label="Good answer"][aria-pressed=true]').waitFor();
    // The thumb shows pressed at once; the request may still be on its way to the server.
    await eventually('the up vote reached the server', () => requests('PUT', /\/feedback$/).length === 1);
    assert.deepEqual(requests('PUT', /\/feedback$/)[0].body, { rating: 'up' });
    await button(answer, 'Good answer').click();
    await answer.locator('[aria-label="Good answer"][aria-pressed=false]').waitFor();
    await eventually('the vote was taken back on the server', () => requests('DELETE', /\/feedback$/).length === 1);
    assert.equal(requests('DELETE', /\/feedback$/)[0].path, `/api/chat/messages/${id}/feedback`);

    await button(answer, 'Bad answer').click();
    const comment = answer.getByRole('textbox', { name: 'What was wrong? (optional)' });
    await comment.fill('Too short');
    await button(answer, 'Save').click();
    await answer.locator('[aria-label="Bad answer"][aria-pressed=true]').waitFor();
    await eventually(
      'the down vote with its comment reached the server',
      () => requests('PUT', /\/feedback$/).at(-1)?.body.comment === 'Too short',
    );
    assert.deepEqual(requests('PUT', /\/feedback$/).at(-1).body, { rating: 'down', comment: 'Too short' });
    assert.deepEqual(server.api.feedback.get(id).comment, 'Too short');
    await page.context().close();
  });

  test("a comment saved while the thumb's own request is slow is not overwritten by it", async () => {
    const { page, answer, id } = await answerToRate();
    let release;
    server.api.feedbackGate = new Promise((r) => (release = r));
    await button(answer, 'Bad answer').click();
    await answer.getByRole('textbox', { name: 'What was wrong? (optional)' }).fill('Too long');
    await button(answer, 'Save').click();
    await eventually('the thumb reached the server', () => requests('PUT', /\/feedback$/).length >= 1);
    // Held at the server; the page waits for its answer before it sends the comment.
    await page.waitForTimeout(300);
    assert.equal(requests('PUT', /\/feedback$/).length, 1, 'the comment waits for the thumb');
    release();
    await eventually('the comment reached the server', () => requests('PUT', /\/feedback$/).length === 2);
    await eventually('the comment stored', () => server.api.feedback.get(id)?.comment === 'Too long');
    assert.deepEqual(
      requests('PUT', /\/feedback$/).map((r) => r.body),
      [{ rating: 'down' }, { rating: 'down', comment: 'Too long' }],
    );
    await answer.locator('[aria-label="Bad answer"][aria-pressed=true]').waitFor();
    await page.context().close();
  });
});

describe('chats list', () => {
  test('search filters the chats through ?q= and shows where it matched', async () => {
    server.api.addSession('Coffee beans', 4);
    server.api.addSession('Tea delivery', 2);
    const page = await openChat();
    await button(chat(page), 'Earlier chats').click();
    const list = page.locator('pulse-chat [part=sessions]');
    await list.getByText('Tea delivery').waitFor();
    const search = chat(page).getByRole('searchbox', { name: 'Search chats' });
    await search.fill('message 3');
    await list.getByText('Tea delivery').waitFor({ state: 'detached' });
    await list.getByText('Coffee beans message 3').waitFor();
    assert.ok(requests('GET', /^\/api\/chat\/sessions\?.*q=message%203/).length);
    await search.fill('zzz');
    await chat(page).getByText('No chats found.').waitFor();
    assert.deepEqual(await axe(page), []);
    await page.context().close();
  });
});

describe('phone, full screen', () => {
  test('Tab and Shift+Tab stay inside the panel, and the bubble is hidden under it', async () => {
    const page = await openChat('/links', {
      contextOptions: { viewport: { width: 375, height: 700 }, hasTouch: true },
    });
    await type(page, 'Hi');
    await received(page, 1);
    assert.equal(await page.locator('pulse-chat [part=launcher]').isVisible(), false, 'the bubble is hidden');
    const inside = () => page.evaluate(() => document.activeElement?.localName === 'pulse-chat');
    for (const key of ['Tab', 'Shift+Tab'])
      for (let i = 0; i < 25; i++) {
        await page.keyboard.press(key);
        assert.ok(await inside(), `${key} #${i + 1} kept focus in the panel`);
      }
    await page.context().close();
  });
});

describe('languages', () => {
  for (const [lang, send, dir] of [
    ['fr', 'Envoyer', 'ltr'],
    ['es', 'Enviar', 'ltr'],
    ['ar', 'إرسال', 'rtl'],
    ['ja', '送信', 'ltr'],
  ])
    test(`${lang}: the panel speaks it, and the page loads only its own language chunk`, async () => {
      const loaded = [];
      const page = await openPage(browser, undefined, { token: TOKEN });
      page.on(
        'request',
        (r) => /\/chunks\/[a-z]{2}-/.test(r.url()) && loaded.push(r.url().match(/chunks\/([a-z]{2})-/)[1]),
      );
      await page.goto(`${server.origin}/${lang}`);
      await page.locator('pulse-chat [part=launcher]').click();
      await button(chat(page), send).waitFor();
      assert.deepEqual(loaded, [lang]);
      const panelDir = await page.evaluate(
        () =>
          getComputedStyle(document.querySelector('pulse-chat').shadowRoot.querySelector('pulse-chat-panel')).direction,
      );
      assert.equal(panelDir, dir);
      assert.deepEqual(await axe(page), []);
      await page.context().close();
    });
});

describe('README screenshots', () => {
  test('the message controls and the chats list (docs/screenshots/controls-*.png)', async () => {
    const dir = screenshotDir(fileURLToPath(new URL('../../docs/screenshots/', import.meta.url)));
    server.api.addSession('Espresso beans', 2, { daysAgo: 1 });
    server.api.addSession('Delivery to Iceland', 2, { daysAgo: 2 });
    const page = await openChat('/', {
      contextOptions: { viewport: { width: 480, height: 720 }, colorScheme: 'light' },
    });
    server.api.reply = {
      deltas: ['Grind finer and use **18 g**:\n\n```text\n18 g in, 36 g out, 28 s\n```'],
      delayMs: 5,
    };
    await type(page, 'My espresso is sour. What should I change?');
    await received(page, 1);
    server.api.reply = {
      deltas: [
        'Sour usually means under-extracted:\n\n- grind finer\n  - one step at a time\n- or raise the water temperature',
      ],
      delayMs: 5,
    };
    await button(assistant(page).last(), 'Regenerate').click();
    await assistant(page).last().locator('.versions').getByText('2/2').waitFor();
    await button(assistant(page).last(), 'Good answer').click();
    await assistant(page).last().locator('[aria-label="Good answer"][aria-pressed=true]').waitFor();
    await page.mouse.move(0, 0);
    const panel = page.locator('pulse-chat [part=panel]');
    await panel.screenshot({
      path: join(dir, 'controls-messages.png'),
      animations: 'disabled',
      caret: 'hide',
    });

    await button(chat(page), 'Earlier chats').click();
    await chat(page).getByRole('searchbox', { name: 'Search chats' }).fill('iceland');
    await page.locator('pulse-chat [part=sessions]').getByText('Delivery to Iceland').waitFor();
    await button(chat(page), 'Delete: Delivery to Iceland').click();
    await chat(page).getByText('Delete “Delivery to Iceland” for good?').waitFor();
    await panel.screenshot({
      path: join(dir, 'controls-chats.png'),
      animations: 'disabled',
      caret: 'hide',
    });
    await page.context().close();
  });
});
