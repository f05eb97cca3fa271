// The script-tag embed: mounting, opening and closing, focus, the window.PulseChat API,
// loading twice, i18n, RTL, inline mode, CSP and accessibility (axe-core) in each state.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import { events, html, jwt, openPage, useServer } from './helpers.mjs';

const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const TOKEN = jwt('user-1');

let server;
let browser;

useServer((s, b) => {
  server = s;
  browser = b;
  const tag = (o, extra = '') => `<script src="/widget/pulse-chat.js" data-api-url="${o}" ${extra} async></script>`;
  server.pages.set('/bubble', (o) => html(tag(o, 'data-heading="Help"')));
  server.pages.set('/twice', (o) => html(tag(o) + tag(o)));
  server.pages.set('/signin', (o) => html(tag(o, 'data-sign-in-text="Log in to ask us anything."')));
  server.pages.set('/german', (o) => html(tag(o), { lang: 'de' }));
  server.pages.set('/rtl', (o) => html(tag(o), { lang: 'en', dir: 'rtl' }));
  server.pages.set('/manual', html('<script src="/widget/pulse-chat.js" async></script>'));
  server.pages.set('/inline', (o) =>
    html(
      `<section id="box" aria-label="Support"><pulse-chat inline api-url="${o}"></pulse-chat></section><script src="/widget/pulse-chat.js" async></script>`,
    ),
  );
});

/** Describes the focused element, looking through shadow roots. */
const focused = (page) =>
  page.evaluate(() => {
    let el = document.activeElement;
    while (el?.shadowRoot?.activeElement) el = el.shadowRoot.activeElement;
    return { tag: el?.localName, part: el?.getAttribute('part'), label: el?.getAttribute('aria-label') };
  });

const launcher = (page) => page.locator('pulse-chat').locator('[part=launcher]');
const dialog = (page) => page.getByRole('dialog');

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

describe('script tag', () => {
  test('mounts the bubble from data attributes, opens and closes with focus moving in and back', async () => {
    const page = await openPage(browser, `${server.origin}/bubble`, { token: TOKEN });
    await launcher(page).waitFor();
    assert.equal(await launcher(page).getAttribute('aria-label'), 'Open chat');
    assert.equal(await launcher(page).getAttribute('aria-expanded'), 'false');
    assert.equal(await page.locator('pulse-chat').count(), 1);

    await launcher(page).click();
    await dialog(page).waitFor({ state: 'visible' });
    assert.equal(await dialog(page).getAttribute('aria-label'), 'Help');
    await page.locator('pulse-chat textarea').waitFor();
    await page.waitForFunction(
      () => document.querySelector('pulse-chat').shadowRoot.querySelector('pulse-chat-panel')?.shadowRoot.activeElement,
    );
    assert.deepEqual(await focused(page), { tag: 'textarea', part: 'input', label: 'Message' });
    assert.equal(await launcher(page).getAttribute('aria-expanded'), 'true');

    await page.keyboard.press('Escape');
    await dialog(page).waitFor({ state: 'hidden' });
    assert.equal((await focused(page)).part, 'launcher');
    assert.equal(await page.locator('pulse-chat').getAttribute('open'), null);

    await page.keyboard.press('Enter');
    await dialog(page).waitFor({ state: 'visible' });
    await page.locator('pulse-chat').getByRole('button', { name: 'Close chat' }).last().click();
    await dialog(page).waitFor({ state: 'hidden' });

    const seen = (await events(page)).map((e) => e.type);
    assert.deepEqual(
      seen.filter((t) => t === 'pulse-open' || t === 'pulse-close'),
      ['pulse-open', 'pulse-close', 'pulse-open', 'pulse-close'],
    );
    assert.ok((await events(page)).every((e) => e.bubbles && e.composed));
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('only the bubble script is needed to show the bubble; the panel loads beside it', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const loaded = [];
    page.on('request', (r) => loaded.push(new URL(r.url()).pathname));
    await page.goto(`${server.origin}/bubble`);
    await launcher(page).waitFor();
    assert.ok(loaded.includes('/widget/pulse-chat.js'));
    await launcher(page).click();
    await dialog(page).waitFor({ state: 'visible' });
    assert.ok(loaded.includes('/widget/pulse-chat-panel.js'));
    await context.close();
  });

  test('without a token the bubble still shows and the panel asks the user to sign in', async () => {
    const page = await openPage(browser, `${server.origin}/signin`);
    await launcher(page).click();
    await page.locator('pulse-chat').getByText('Log in to ask us anything.').waitFor();
    assert.equal(await page.locator('pulse-chat textarea').count(), 0);
    // A token arriving later brings the chat up without a reload.
    await page.evaluate((t) => window.PulseChat.setToken(t), TOKEN);
    await page.locator('pulse-chat textarea').waitFor();
    assert.equal(await page.locator('pulse-chat').getByText('Log in to ask us anything.').count(), 0);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    await page.context().close();
  });

  test('loading the script twice mounts one widget and keeps one API', async () => {
    const page = await openPage(browser, `${server.origin}/twice`, { token: TOKEN });
    await launcher(page).waitFor();
    await page.waitForFunction(() => document.querySelectorAll('script').length === 2 && window.PulseChat);
    await page.waitForTimeout(200);
    assert.equal(await page.locator('pulse-chat').count(), 1);
    await launcher(page).click();
    await page.locator('pulse-chat textarea').waitFor();
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('window.PulseChat: init, open, close, toggle, send, setToken, destroy', async () => {
    const page = await openPage(browser, `${server.origin}/manual`);
    await page.waitForFunction(() => window.PulseChat);
    assert.equal(await page.locator('pulse-chat').count(), 0, 'no data-api-url: nothing mounts until init()');
    const api = await page.evaluate(() => Object.keys(window.PulseChat).sort());
    for (const name of ['close', 'destroy', 'init', 'open', 'send', 'setToken', 'toggle', 'version'])
      assert.ok(api.includes(name), name);

    await page.evaluate(
      ([origin, token]) =>
        window.PulseChat.init({ apiUrl: origin, token, position: 'bottom-left', theme: 'dark', greeting: 'Welcome!' }),
      [server.origin, TOKEN],
    );
    await launcher(page).waitFor();
    assert.equal(await page.locator('pulse-chat').getAttribute('position'), 'bottom-left');
    assert.equal(await page.locator('pulse-chat').getAttribute('token'), null, 'token stays out of the DOM');
    const box = await launcher(page).boundingBox();
    assert.ok(box.x < 100, 'bottom-left');

    await page.evaluate(() => window.PulseChat.open());
    await dialog(page).waitFor({ state: 'visible' });
    await page.locator('pulse-chat').getByText('Welcome!').waitFor();
    await page.evaluate(() => window.PulseChat.toggle());
    await dialog(page).waitFor({ state: 'hidden' });
    await page.evaluate(() => window.PulseChat.toggle());
    await dialog(page).waitFor({ state: 'visible' });
    await page.evaluate(() => window.PulseChat.close());
    await dialog(page).waitFor({ state: 'hidden' });

    await page.evaluate(() => window.PulseChat.send('From the API'));
    await dialog(page).waitFor({ state: 'visible' });
    await page.locator('pulse-chat').getByText('From the API').waitFor();
    await page.locator('pulse-chat .md').getByText('world').waitFor();

    await page.evaluate(() => window.PulseChat.destroy());
    assert.equal(await page.locator('pulse-chat').count(), 0);
    await page.evaluate(() => window.PulseChat.init());
    assert.equal(await page.locator('pulse-chat').count(), 1);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    await page.context().close();
  });
});

describe('custom element', () => {
  test('inline mode fills its container, has no bubble and is a labelled region', async () => {
    const page = await openPage(browser, `${server.origin}/inline`);
    await page.evaluate((t) => {
      const box = document.getElementById('box');
      box.style.height = '500px';
      box.style.width = '400px';
      document.querySelector('pulse-chat').token = t;
    }, TOKEN);
    await page.locator('pulse-chat textarea').waitFor();
    assert.equal(await launcher(page).isVisible(), false);
    const region = page.locator('pulse-chat').getByRole('region', { name: 'Chat' });
    const box = await region.boundingBox();
    assert.equal(Math.round(box.height), 500);
    assert.equal(await page.locator('pulse-chat').getByRole('button', { name: 'Close chat' }).count(), 0);
    await page.keyboard.press('Escape');
    assert.equal(await page.locator('pulse-chat textarea').isVisible(), true, 'Escape does not hide an inline chat');
    await page.context().close();
  });
});

describe('npm entry', () => {
  test('dist/index.js registers <pulse-chat> as an ES module and loads the panel chunk beside it', async () => {
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    assert.equal(pkg.name, '@pulse/widget');
    const entry = pkg.exports['.'];
    for (const file of [entry.import, entry.types, pkg.exports['./pulse-chat.js']])
      await readFile(new URL(`../${file}`, import.meta.url));
    const types = await readFile(new URL(`../${entry.types}`, import.meta.url), 'utf8');
    assert.match(types, /PulseChat/);

    server.pages.set('/npm', (o) =>
      html(`<pulse-chat api-url="${o}"></pulse-chat><script type="module" src="/widget/index.js"></script>`),
    );
    const page = await openPage(browser, `${server.origin}/npm`);
    await page.evaluate(
      (t) => customElements.whenDefined('pulse-chat').then(() => (document.querySelector('pulse-chat').token = t)),
      TOKEN,
    );
    await launcher(page).click();
    await page.locator('pulse-chat textarea').waitFor();
    assert.equal(await page.evaluate(() => typeof window.PulseChat), 'undefined', 'the npm entry adds no global');
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    await page.context().close();
  });
});

describe('fitting the host page', () => {
  test("the host's CSS cannot break the widget, and the widget's CSS does not leak out", async () => {
    server.pages.set(
      '/hostile.css',
      '* { color: #f00 !important; font: 40px/3 serif !important; text-transform: uppercase !important; letter-spacing: 6px !important }\n' +
        'button, textarea, div, ul, li, form, header { display: none !important; background: lime !important }',
    );
    server.pages.set('/hostile', (o) =>
      html(
        `<link rel="stylesheet" href="/hostile.css"><p><span class="msg">host text</span></p><script src="/widget/pulse-chat.js" data-api-url="${o}" async></script>`,
      ),
    );
    const page = await openPage(browser, `${server.origin}/hostile`, { token: TOKEN });
    await launcher(page).click();
    await page.locator('pulse-chat textarea').waitFor({ state: 'visible' });
    await page.evaluate(() => window.PulseChat.send('hello'));
    const reply = page.locator('pulse-chat [part~=assistant-message]');
    await reply.getByText('world').waitFor({ state: 'visible' });
    const style = await reply.evaluate((el) => {
      const cs = getComputedStyle(el);
      return { fontSize: cs.fontSize, transform: cs.textTransform, spacing: cs.letterSpacing, color: cs.color };
    });
    assert.deepEqual(style, { fontSize: '15px', transform: 'none', spacing: 'normal', color: 'rgb(17, 24, 39)' });
    // The widget's own '.msg' class and button styles do not reach the host's elements.
    const host = await page.locator('span.msg').evaluate((el) => getComputedStyle(el).borderRadius);
    assert.equal(host, '0px');
    await page.context().close();
  });

  test('the panel is full screen on small screens', async () => {
    const page = await openPage(browser, `${server.origin}/bubble`, {
      token: TOKEN,
      contextOptions: { viewport: { width: 375, height: 700 } },
    });
    await launcher(page).click();
    await page.locator('pulse-chat textarea').waitFor();
    const box = await dialog(page).boundingBox();
    assert.deepEqual([box.x, box.y, box.width, box.height], [0, 0, 375, 700]);
    await page.keyboard.press('Escape');
    await dialog(page).waitFor({ state: 'hidden' });
    await page.context().close();
  });
});

describe('i18n and RTL', () => {
  test("the page's lang picks the shipped German strings", async () => {
    const page = await openPage(browser, `${server.origin}/german`, { token: TOKEN });
    await launcher(page).waitFor();
    assert.equal(await launcher(page).getAttribute('aria-label'), 'Chat öffnen');
    await launcher(page).click();
    await page.locator('pulse-chat').getByRole('textbox', { name: 'Nachricht' }).waitFor();
    await page.locator('pulse-chat').getByRole('button', { name: 'Senden' }).waitFor();
    await page.context().close();
  });

  test('the i18n option overrides any string and locale switches language', async () => {
    const page = await openPage(browser, `${server.origin}/bubble`, { token: TOKEN });
    await launcher(page).waitFor();
    await page.evaluate(() => window.PulseChat.init({ locale: 'de', i18n: { send: 'Los' } }));
    assert.equal(await launcher(page).getAttribute('aria-label'), 'Chat öffnen');
    await launcher(page).click();
    await page.locator('pulse-chat').getByRole('button', { name: 'Los' }).waitFor();
    await page.evaluate(() => window.PulseChat.init({ locale: 'en', i18n: {} }));
    await page.locator('pulse-chat').getByRole('button', { name: 'Send' }).waitFor();
    await page.context().close();
  });

  test('right-to-left pages mirror the layout', async () => {
    const page = await openPage(browser, `${server.origin}/rtl`, { token: TOKEN });
    await launcher(page).waitFor();
    const box = await launcher(page).boundingBox();
    assert.ok(box.x < 100, `launcher at the inline end (left) in RTL, x=${box.x}`);
    await launcher(page).click();
    await page.locator('pulse-chat textarea').waitFor();
    await page.evaluate(() => window.PulseChat.send('hi'));
    const user = page.locator('pulse-chat [part~=user-message]');
    await user.waitFor();
    const panel = await dialog(page).boundingBox();
    const msg = await user.boundingBox();
    assert.ok(msg.x - panel.x < 40, 'user messages sit at the inline end (left) in RTL');
    await page.context().close();
  });
});

describe('accessibility', () => {
  for (const colorScheme of ['light', 'dark']) {
    test(`axe finds no violations closed and open (${colorScheme})`, async () => {
      const page = await openPage(browser, `${server.origin}/bubble`, {
        token: TOKEN,
        contextOptions: { colorScheme },
      });
      await launcher(page).waitFor();
      assert.deepEqual(await axe(page), [], 'closed');
      await launcher(page).click();
      await page.locator('pulse-chat textarea').waitFor();
      await page.evaluate(() => window.PulseChat.init({ starters: ['What are your opening hours?'] }));
      await page.locator('pulse-chat [part=starter]').waitFor();
      assert.deepEqual(await axe(page), [], 'open, empty');
      await page.locator('pulse-chat [part=starter]').click();
      await page.locator('pulse-chat .md').getByText('world').waitFor();
      assert.deepEqual(await axe(page), [], 'open, with messages');
      await page.locator('pulse-chat').getByRole('button', { name: 'Earlier chats' }).click();
      await page.locator('pulse-chat [part=sessions] li').first().waitFor();
      assert.deepEqual(await axe(page), [], 'open, chats list');
      await page.context().close();
    });
  }

  test('every control is reachable with Tab and announces new answers through a live region', async () => {
    const page = await openPage(browser, `${server.origin}/bubble`, { token: TOKEN });
    await launcher(page).waitFor();
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).part, 'launcher');
    await page.keyboard.press('Enter');
    await page.locator('pulse-chat textarea').waitFor();
    const labels = [];
    for (let i = 0; i < 6; i++) {
      await page.keyboard.press('Shift+Tab');
      labels.push((await focused(page)).label);
    }
    assert.deepEqual(
      labels,
      ['Record a voice message', 'Attach files', 'Close chat', 'New chat', 'Earlier chats', 'Close chat'],
      "the composer's tools, the header buttons, then the launcher",
    );
    await page.locator('pulse-chat textarea').focus();
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).label, 'Send');
    await page.evaluate(() => window.PulseChat.send('hello'));
    // The panel's announcements (the composer's upload errors have a live region of their own).
    const live = page.locator('pulse-chat .sr-only[aria-live=polite]');
    await page.waitForFunction(() =>
      document
        .querySelector('pulse-chat')
        .shadowRoot.querySelector('pulse-chat-panel')
        .shadowRoot.querySelector('.sr-only[aria-live=polite]')
        .textContent.includes('Hello, world!'),
    );
    assert.match(await live.textContent(), /Hello/);
    await page.context().close();
  });
});

describe('demo site', () => {
  test('the Northwind demo embeds the widget under a strict CSP and chats with a /demo/token token', async () => {
    const page = await openPage(browser, `${server.origin}/demo/`);
    await launcher(page).waitFor();
    await page.getByRole('button', { name: 'Ask about decaf' }).click();
    await page.locator('pulse-chat [part~=user-message]').getByText('Which of your coffees are decaf?').waitFor();
    await page.locator('pulse-chat .md').getByText('world').waitFor();
    assert.ok(
      server.api.requests.some(
        (r) => r.path === '/api/chat/send' && r.headers.authorization === `Bearer ${jwt('demo-visitor')}`,
      ),
    );
    await page.getByRole('button', { name: 'Deutsch' }).click();
    await page.locator('pulse-chat').getByRole('button', { name: 'Senden' }).waitFor();
    await page.getByRole('button', { name: 'Dark chat' }).click();
    assert.equal(await page.locator('pulse-chat').getAttribute('theme'), 'dark');
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
