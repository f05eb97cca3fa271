// The widget on hard host pages (hostile CSS, a strict CSP), answers carrying XSS vectors, the
// backend's own demo page, and the README screenshots (written to docs/screenshots/ with UPDATE_SCREENSHOTS=1).
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { screenshotDir } from '@pulse/testkit';
import { ROOT, assistant, chat, idle, input, launcher, openChat, openPage, send, useStack } from './harness.mjs';

let stack;
let browser;
useStack((s, b) => {
  stack = s;
  browser = b;
});

const cspReports = async (page) => [
  ...(await page.evaluate(() => window.__csp)),
  ...page.consoleErrors.filter((m) => /Content Security Policy/i.test(m)),
];

describe('host pages', () => {
  test('hostile host CSS does not break the bubble, the panel or sending', async () => {
    stack.user();
    stack.host.files.set('/hostile.css', {
      type: 'text/css',
      body: `* { all: unset !important; font-size: 3px !important; color: red !important; line-height: 0 !important }
div, section, form, ul, li { display: none !important }
button, textarea, svg { display: none !important; width: 0 !important; height: 0 !important; opacity: 0 !important }
html, body { overflow: hidden !important; background: black !important }
:focus { outline: none !important }`,
    });
    const page = await openPage(browser, stack.page('', { head: '<link rel="stylesheet" href="/hostile.css">' }));
    const box = await launcher(page).boundingBox();
    assert.ok(box && box.width >= 40 && box.height >= 40, `bubble size ${JSON.stringify(box)}`);
    assert.ok(
      box.x + box.width <= 1200 && box.y + box.height <= 800 && box.x > 600 && box.y > 400,
      'bubble in the bottom-right corner',
    );
    await openChat(page);
    const panel = await chat(page).locator('[part=panel]').boundingBox();
    assert.ok(panel.width >= 300 && panel.height >= 400, `panel size ${JSON.stringify(panel)}`);
    const field = await input(page).boundingBox();
    assert.ok(field.width >= 150 && field.height >= 20, `input size ${JSON.stringify(field)}`);
    await send(page, 'Still working?');
    const md = assistant(page).last().locator('.md');
    await md.getByText('Echo: Still working?').waitFor();
    const style = await md.evaluate((el) => {
      const s = getComputedStyle(el);
      return { fontSize: parseFloat(s.fontSize), color: s.color, visibility: s.visibility };
    });
    assert.ok(style.fontSize >= 12, `readable text: ${style.fontSize}px`);
    assert.notEqual(style.color, 'rgb(255, 0, 0)');
    assert.equal(style.visibility, 'visible');
    await page.context().close();
  });

  test('a strict-CSP page on another origin: chat works and nothing is blocked', async () => {
    stack.user();
    // The brief's policy: no 'unsafe-inline', no 'unsafe-eval', only the API origin added.
    const csp = `default-src 'self'; script-src 'self' ${stack.api}; style-src 'self'; connect-src ${stack.api} 'self'`;
    const url = stack.page('', { csp });
    const page = await openPage(browser);
    const response = await page.goto(url);
    assert.equal(response.headers()['content-security-policy'], csp);
    await openChat(page);
    await send(page, 'Under CSP');
    await assistant(page).last().getByText('Echo: Under CSP').waitFor();
    await idle(page);
    assert.deepEqual(await cspReports(page), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('the demo page served by the backend in demo mode: bubble, chat, answer', async () => {
    const page = await openPage(browser);
    const response = await page.goto(`${stack.api}/demo/`);
    assert.match(response.headers()['content-security-policy'], /script-src 'self';/);
    await page.getByRole('heading', { name: /Small-batch coffee/ }).waitFor();
    await launcher(page).click();
    const starter = chat(page).getByRole('button', { name: 'Which beans suit espresso?' });
    await starter.click();
    await assistant(page).last().getByText('Echo: Which beans suit espresso?').waitFor();
    await idle(page);
    assert.equal(stack.upstream.requests.length, 1, 'the backend asked the model');
    assert.equal(await chat(page).getByRole('dialog', { name: 'Northwind assistant' }).count(), 1);
    assert.deepEqual(await cspReports(page), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});

describe('answers carrying XSS vectors', () => {
  const VECTORS = [
    '<img src=x onerror=alert(1)>',
    '[x](javascript:alert(1))',
    '[x](JaVaScRiPt:alert(1))',
    '[x](  javascript:alert(1))',
    '[x](&#106;avascript:alert(1))',
    '<svg onload=alert(1)>',
    '<iframe src=javascript:alert(1)></iframe>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    '[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
    '`<script>alert(1)</script>`',
    '```html\n<script>alert(1)</script>\n```',
    '<details open ontoggle=alert(1)>',
    '![x](x" onerror="alert(1))',
    '![x](javascript:alert(1))',
    '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<form><button formaction=javascript:alert(1)>x</button></form>',
    '<object data="javascript:alert(1)"></object>',
    '[x](vbscript:msgbox(1))',
    '<body onload=alert(1)>',
    '| a | b |\n| - | - |\n| <img src=x onerror=alert(1)> | [x](javascript:alert(1)) |',
    '**bold** and [a safe link](https://example.com/safe)',
  ];

  test('none executes, and the rendered answers hold no handlers or script URLs', async () => {
    const user = stack.user();
    // No CSP on this page: a policy would block inline handlers and hide a sanitizer failure.
    const page = await openPage(browser, undefined);
    await page.addInitScript(() => {
      window.__xss = 0;
      for (const name of ['alert', 'confirm', 'prompt', 'print']) window[name] = () => window.__xss++;
    });
    await page.goto(stack.page('', { csp: null }));
    await openChat(page);
    for (const [i, text] of VECTORS.entries()) {
      stack.upstream.enqueue({ kind: 'text', text });
      await send(page, `vector ${i}`);
      await idle(page);
    }
    assert.equal(await assistant(page).count(), VECTORS.length);
    assert.equal(stack.upstream.requests.length, VECTORS.length);

    const inspect = () =>
      page.evaluate(() => {
        const found = { handlers: [], urls: [], tags: [], links: [] };
        const walk = (root) => {
          for (const el of root.querySelectorAll('*')) {
            for (const a of el.attributes) {
              if (/^on/i.test(a.name)) found.handlers.push(`${el.tagName} ${a.name}`);
              if (
                /^(href|src|xlink:href|action|formaction|data)$/i.test(a.name) &&
                /^\s*(javascript|data|vbscript):/i.test(a.value)
              )
                found.urls.push(`${el.tagName} ${a.name}=${a.value}`);
            }
            // The one button inside an answer is the widget's own "Copy code" on a code block,
            // with nothing but its type and class.
            const ownCopy =
              el.tagName === 'BUTTON' &&
              el.className === 'copy-code' &&
              el.attributes.length === 2 &&
              el.hasAttribute('class') &&
              el.hasAttribute('type');
            if (
              el.closest('.md') &&
              !ownCopy &&
              /^(SCRIPT|IFRAME|OBJECT|EMBED|IMG|FORM|BUTTON|STYLE|BASE|META|SVG|MATH)$/i.test(el.tagName)
            )
              found.tags.push(el.tagName);
            if (el.tagName === 'A' && el.hasAttribute('href'))
              found.links.push([el.getAttribute('href'), el.target, el.rel]);
            if (el.shadowRoot) walk(el.shadowRoot);
          }
        };
        walk(document.querySelector('pulse-chat').shadowRoot);
        return found;
      });
    const check = async (when) => {
      await page.waitForTimeout(300);
      assert.equal(await page.evaluate(() => window.__xss), 0, `${when}: nothing ran`);
      assert.deepEqual(page.dialogs, [], `${when}: no dialog`);
      const found = await inspect();
      assert.deepEqual(found.handlers, [], `${when}: no on* attributes`);
      assert.deepEqual(found.urls, [], `${when}: no script URLs`);
      assert.deepEqual(found.tags, [], `${when}: no active elements`);
      assert.ok(
        found.links.some(([href]) => href === 'https://example.com/safe'),
        `${when}: safe links survive`,
      );
      for (const [href, target, rel] of found.links) {
        assert.equal(target, '_blank', href);
        assert.equal(rel, 'noopener noreferrer', href);
      }
      // Raw HTML is shown as text, not dropped: the user sees what the model wrote.
      await assistant(page).first().getByText('<img src=x onerror=alert(1)>').waitFor();
    };
    await check('streamed');
    // History comes back from the API: the stored text renders through the same sanitizer.
    await page.reload();
    await openChat(page);
    await assistant(page)
      .nth(VECTORS.length - 1)
      .waitFor();
    await check('reloaded');
    assert.deepEqual(page.errors, []);
    const sessions = await stack.call(user.token, '/api/chat/sessions');
    assert.equal(sessions.body.data.length, 1);
    await page.context().close();
  });
});

describe('README screenshots', () => {
  const DIR = screenshotDir(join(ROOT, 'docs/screenshots'));
  const ANSWER = [
    'For espresso we recommend **Colombia Huila**:',
    '',
    '- caramel and red apple',
    '- a milk-chocolate finish',
    '',
    'Start with `18 g` in, `36 g` out in about 28 seconds.',
  ].join('\n');

  async function demo(name, contextOptions, { dark = false } = {}) {
    const page = await openPage(browser, undefined, contextOptions);
    await page.goto(`${stack.api}/demo/`);
    await launcher(page).waitFor();
    if (dark) await page.getByRole('button', { name: 'Dark chat' }).click();
    stack.upstream.enqueue({ kind: 'text', text: ANSWER });
    await openChat(page);
    await send(page, 'Which beans suit espresso?');
    await assistant(page).last().getByText('Start with').waitFor();
    await idle(page);
    await page.mouse.move(0, 0);
    await page.evaluate(() => document.activeElement?.blur());
    const path = join(DIR, `${name}.png`);
    await page.screenshot({ path, animations: 'disabled', caret: 'hide' });
    return page;
  }

  test('bubble closed and the panel open in light, dark and on a phone', async () => {
    const page = await openPage(browser, undefined, { colorScheme: 'light' });
    await page.goto(`${stack.api}/demo/`);
    await launcher(page).waitFor();
    await page.screenshot({ path: join(DIR, 'bubble-closed-light.png'), animations: 'disabled' });
    await page.context().close();

    const light = await demo('panel-light', { colorScheme: 'light' });
    const panel = await chat(light).locator('[part=panel]').boundingBox();
    assert.ok(panel.width >= 300 && panel.width < 600, `desktop panel ${JSON.stringify(panel)}`);
    await light.context().close();

    const dark = await demo('panel-dark', { colorScheme: 'dark' }, { dark: true });
    const bg = await chat(dark)
      .locator('[part=panel]')
      .evaluate((el) => getComputedStyle(el.querySelector('pulse-chat-panel') ?? el).getPropertyValue('--pulse-bg'));
    assert.ok(bg.trim(), 'the dark theme sets its colours');
    await dark.context().close();

    const mobile = await demo('panel-mobile', {
      viewport: { width: 375, height: 740 },
      isMobile: true,
      hasTouch: true,
      deviceScaleFactor: 1,
    });
    const full = await chat(mobile).locator('[part=panel]').boundingBox();
    assert.ok(full.width >= 370 && full.height >= 730, `full-screen panel on a phone ${JSON.stringify(full)}`);
    await mobile.context().close();
    for (const name of ['bubble-closed-light', 'panel-light', 'panel-dark', 'panel-mobile']) {
      const { size } = await import('node:fs/promises').then((fs) => fs.stat(join(DIR, `${name}.png`)));
      assert.ok(size > 5_000 && size < 400_000, `${name}.png is ${size} bytes`);
    }
  });
});
