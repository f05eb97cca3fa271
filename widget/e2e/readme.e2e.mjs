// The README's snippets, extracted by their `<!-- snippet: ... -->` markers and run against the
// real backend, so they cannot rot: the script-tag embed with its getToken setup file in Chromium,
// and the AI SDK useChat example through the `ai` package's own chat class in Node.
import assert from 'node:assert/strict';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { stripTypeScriptTypes } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { assistant, chat, idle, input, openPage, readmeSnippet, send, useStack } from './harness.mjs';

let stack;
let browser;
useStack((s, b) => {
  stack = s;
  browser = b;
});

/** A host page whose body is the README's embed snippet, pointed at the test backend. */
const embedPage = () => {
  const embed = readmeSnippet('embed').replaceAll('https://chat.example.com', stack.api);
  assert.match(embed, /src="\/js\/pulse-setup\.js"/, 'the embed loads the setup file the README shows next');
  return stack.page(embed, { embed: false });
};

describe('README snippets', () => {
  test('the script-tag embed and its getToken setup file chat with the signed-in user', async () => {
    const user = stack.user();
    const page = await openPage(browser, embedPage());
    await chat(page).locator('[part=launcher]').click();
    await send(page, 'Hello from the README');
    await assistant(page).last().getByText('Echo: Hello from the README').waitFor();
    await idle(page);
    const sessions = await stack.call(user.token, '/api/chat/sessions');
    assert.equal(sessions.body.data.length, 1, 'the answer was stored for the user the token names');
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  for (const [what, setUp] of [
    ['signed out (401)', () => (stack.host.state.token = () => null)],
    ['the session endpoint failing (500 with an HTML page)', () => (stack.host.state.jwtFailure = 500)],
  ])
    test(`getToken checks res.ok: ${what} shows the sign-in text and sends no bearer`, async () => {
      stack.user();
      setUp();
      try {
        const page = await openPage(browser);
        const authorized = [];
        page.on('request', (r) => r.headers().authorization && authorized.push(r.url()));
        await page.goto(embedPage());
        await chat(page).locator('[part=launcher]').click();
        await chat(page).locator('.signin').getByText('Please sign in to chat with us.').waitFor();
        assert.equal(await input(page).count(), 0);
        assert.ok(stack.host.state.tokenHits >= 1, 'getToken asked the host');
        assert.deepEqual(authorized, [], 'no request carried the error page as a token');
        assert.equal(
          await chat(page)
            .getByText(/not sent/)
            .count(),
          0,
          'not reported as a network error',
        );
        await page.context().close();
      } finally {
        stack.host.state.jwtFailure = 0;
      }
    });

  test('the useChat example keeps one chat: session_id comes from the data-session part', async () => {
    const user = stack.user();
    const source = stripTypeScriptTypes(readmeSnippet('use-chat'))
      .replaceAll('https://chat.example.com', stack.api)
      // React's hooks, for one component that renders once: useChat is the SDK's chat class with
      // an in-memory state (what @ai-sdk/react's Chat does), useRef a plain box.
      .replace(/^import .*from '@ai-sdk\/react';$/m, '')
      .replace(/^import .*from 'react';$/m, 'const useRef = (current) => ({ current });')
      .replace(/from 'ai'/, `from ${JSON.stringify(import.meta.resolve('ai'))}`);
    const shim = `import { AbstractChat as __Chat } from ${JSON.stringify(import.meta.resolve('ai'))};
class __State {
  status = 'ready'; error = undefined; messages = [];
  pushMessage = (m) => (this.messages = [...this.messages, m]);
  popMessage = () => (this.messages = this.messages.slice(0, -1));
  replaceMessage = (i, m) => (this.messages = this.messages.map((x, j) => (j === i ? m : x)));
  snapshot = (x) => structuredClone(x);
}
const useChat = (init) => new (class extends __Chat {})({ ...init, state: new __State() });
`;
    const dir = await mkdtemp(join(tmpdir(), 'pulse-readme-'));
    try {
      const file = join(dir, 'use-chat.mjs');
      await writeFile(file, shim + source);
      const { usePulseChat } = await import(pathToFileURL(file).href);
      const chatHook = usePulseChat(async () => user.token);
      await chatHook.sendMessage({ text: 'first question' });
      await chatHook.sendMessage({ text: 'second question' });
      assert.equal(chatHook.error, undefined);
      const texts = chatHook.messages.map((m) =>
        m.parts
          .filter((p) => p.type === 'text')
          .map((p) => p.text)
          .join(''),
      );
      assert.deepEqual(texts, ['first question', 'Echo: first question', 'second question', 'Echo: second question']);

      const sessions = await stack.call(user.token, '/api/chat/sessions');
      assert.equal(sessions.body.data.length, 1, 'both sends went to one chat');
      const stored = await stack.call(user.token, `/api/chat/sessions/${sessions.body.data[0].id}?limit=50`);
      assert.deepEqual(
        stored.body.messages.map((m) => m.content),
        texts,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
