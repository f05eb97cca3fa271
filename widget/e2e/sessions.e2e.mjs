// Chats across reloads and the chats list, keyboard-only use, and axe-core accessibility
// checks, all against the real backend.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  AXE,
  assistant,
  button,
  chat,
  idle,
  input,
  launcher,
  openChat,
  openPage,
  send,
  useStack,
  userMessages,
} from './harness.mjs';

let stack;
let browser;
useStack((s, b) => {
  stack = s;
  browser = b;
});

async function ask(page, text) {
  await send(page, text);
  await assistant(page).last().getByText(`Echo: ${text}`).waitFor();
  await idle(page);
}

const titles = async (token) => (await stack.call(token, '/api/chat/sessions')).body.data.map((s) => s.title);

describe('chats', () => {
  test('a reload keeps the chat; the list switches, renames and deletes chats on the server', async () => {
    const user = stack.user();
    const page = await openPage(browser, stack.page());
    await openChat(page);
    await ask(page, 'Alpha question');

    await page.reload();
    await openChat(page);
    await userMessages(page).getByText('Alpha question').waitFor();
    assert.equal(await assistant(page).last().locator('.md').textContent(), 'Echo: Alpha question');

    await button(page, 'New chat').click();
    assert.equal(await userMessages(page).count(), 0, 'a new chat starts empty');
    await ask(page, 'Beta question');
    assert.deepEqual((await titles(user.token)).sort(), ['Alpha question', 'Beta question']);

    await button(page, 'Earlier chats').click();
    const list = chat(page).locator('[part=sessions]');
    await list.getByRole('button', { name: 'Alpha question', exact: true }).click();
    await userMessages(page).getByText('Alpha question').waitFor();
    assert.equal(await userMessages(page).count(), 1);
    assert.equal(await userMessages(page).getByText('Beta question').count(), 0);

    await button(page, 'Earlier chats').click();
    await button(page, 'Rename: Alpha question').click();
    const title = chat(page).getByRole('textbox', { name: 'Chat title' });
    await title.fill('Espresso machine');
    await title.press('Enter');
    await list.getByRole('button', { name: 'Espresso machine', exact: true }).waitFor();
    assert.deepEqual((await titles(user.token)).sort(), ['Beta question', 'Espresso machine']);

    // Delete asks first: the chat goes only after the confirmation's own Delete.
    await button(page, 'Delete: Beta question').click();
    await list.getByRole('group', { name: 'Delete' }).getByRole('button', { name: 'Delete', exact: true }).click();
    await list.getByRole('button', { name: 'Beta question', exact: true }).waitFor({ state: 'detached' });
    await chat(page).getByRole('group', { name: 'Delete' }).waitFor({ state: 'detached' });
    assert.deepEqual(await titles(user.token), ['Espresso machine']);
    await page.context().close();
  });
});

describe('keyboard only', () => {
  test('Tab reaches the bubble, Enter opens, Enter sends, Escape closes and focus returns', async () => {
    stack.user();
    const page = await openPage(browser, stack.page());
    await page.locator('pulse-chat').waitFor({ state: 'attached' });
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement?.shadowRoot?.activeElement;
        const inner = el?.shadowRoot?.activeElement ?? el;
        return inner
          ? `${inner.tagName.toLowerCase()}${inner.getAttribute('part') ? `[${inner.getAttribute('part')}]` : ''}`
          : null;
      });
    await page.keyboard.press('Tab');
    assert.equal(await focused(), 'button[launcher]');
    await page.keyboard.press('Enter');
    await input(page).waitFor();
    await page.waitForFunction(() => document.querySelector('pulse-chat').hasAttribute('open'));
    assert.equal(await focused(), 'textarea[input]', 'focus moved into the dialog');
    await page.keyboard.type('Hello by keyboard');
    await page.keyboard.press('Enter');
    await assistant(page).last().getByText('Echo: Hello by keyboard').waitFor();
    await idle(page);
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('pulse-chat').hasAttribute('open'));
    assert.equal(await focused(), 'button[launcher]', 'focus went back to the bubble');
    assert.equal(await launcher(page).getAttribute('aria-expanded'), 'false');
    await page.context().close();
  });
});

describe('axe-core', () => {
  const ANSWER = [
    'Here is what we have:',
    '',
    '- **Ethiopia Guji**: light roast',
    '- *Colombia Huila*: espresso',
    '',
    '| Bean | Roast |',
    '| --- | --- |',
    '| Guji | light |',
    '',
    'Brew with `18 g` in. See [our guide](https://example.com/guide).',
  ].join('\n');

  for (const theme of ['light', 'dark']) {
    test(`no violations with the panel closed and open, ${theme} theme, with a conversation`, async () => {
      stack.user();
      stack.upstream.enqueue({ kind: 'text', text: ANSWER });
      // No CSP here: axe is injected as an inline script.
      const page = await openPage(browser, stack.page('', { csp: null }), { colorScheme: theme });
      await page.waitForFunction(() => window.PulseChat?.element);
      await page.evaluate((t) => window.PulseChat.init({ theme: t }), theme);
      await page.addScriptTag({ path: AXE });
      const audit = () =>
        page.evaluate(async () => {
          const result = await window.axe.run(
            { include: [['pulse-chat']] },
            {
              runOnly: {
                type: 'tag',
                values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'],
              },
            },
          );
          return {
            violations: result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
            passes: result.passes.length,
          };
        });
      const closed = await audit();
      assert.deepEqual(closed.violations, [], 'closed');
      assert.ok(closed.passes > 0, 'axe checked something');

      await openChat(page);
      await send(page, 'What beans do you have?');
      await assistant(page).last().getByRole('table').waitFor();
      await idle(page);
      const open = await audit();
      assert.deepEqual(open.violations, [], 'open with a conversation');
      assert.ok(open.passes > closed.passes, 'the open panel was audited');

      await button(page, 'Earlier chats').click();
      await chat(page)
        .locator('[part=sessions]')
        .getByRole('button', { name: 'What beans do you have?', exact: true })
        .waitFor();
      assert.deepEqual((await audit()).violations, [], 'the chats list');
      await page.context().close();
    });
  }
});
