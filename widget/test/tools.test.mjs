// The host page's tools (issue 24) against the fake API: registration and its checks, tools sent
// with each request (never their functions), a call run in the page with its result posted and
// the answer going on in the same message, errors, Allow / Deny, size limit, text-only steps.
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { eventually } from '@pulse/testkit';
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
const steps = (page) => page.locator('pulse-chat [part~=tool-step]');
const sends = () => server.api.requests.filter((r) => r.path === '/api/chat/send');
const results = () => server.api.requests.filter((r) => r.path.endsWith('/tool-results'));

/** A signed-in page whose tools are registered by `register` (run in the page with `window.calls` to record calls). */
async function openChat(register) {
  const page = await openPage(browser, `${server.origin}/`, { token: TOKEN });
  await page.waitForFunction(() => window.PulseChat);
  await page.evaluate(`window.calls = []; (${register ?? (() => {})})()`);
  await page.locator('pulse-chat [part=launcher]').click();
  await input(page).waitFor();
  return page;
}

async function type(page, text) {
  await input(page).fill(text);
  await input(page).press('Enter');
}

const idle = (page) => page.locator('pulse-chat').getByRole('button', { name: 'Send' }).waitFor();

function addToCart() {
  window.PulseChat.registerTool('add_to_cart', {
    description: 'Add a product to the cart',
    parameters: {
      type: 'object',
      properties: { product: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
      required: ['product', 'quantity'],
    },
    execute: (input) => {
      window.calls.push(input);
      return { cart: [input] };
    },
  });
}

describe('registering', () => {
  test('registerTool refuses what the server would, with a TypeError that says why, on PulseChat and the element', async () => {
    const page = await openChat();
    const errors = await page.evaluate(() => {
      const schema = { type: 'object', properties: {} };
      const tries = {
        name: () => window.PulseChat.registerTool('9lives', { description: 'x', parameters: schema, execute() {} }),
        spaces: () =>
          window.PulseChat.registerTool('add to cart', { description: 'x', parameters: schema, execute() {} }),
        schema: () =>
          window.PulseChat.registerTool('a', { description: 'x', parameters: { type: 'string' }, execute() {} }),
        noSchema: () => window.PulseChat.registerTool('a', { description: 'x', execute() {} }),
        execute: () => window.PulseChat.registerTool('a', { description: 'x', parameters: schema }),
        description: () => window.PulseChat.registerTool('a', { description: '', parameters: schema, execute() {} }),
        big: () =>
          window.PulseChat.element.registerTool('a', {
            description: 'x',
            parameters: { type: 'object', description: 'y'.repeat(9000) },
            execute() {},
          }),
        element: () =>
          document
            .querySelector('pulse-chat')
            .registerTool('a b', { description: 'x', parameters: schema, execute() {} }),
      };
      const out = {};
      for (const [k, f] of Object.entries(tries))
        try {
          f();
          out[k] = 'accepted';
        } catch (e) {
          out[k] = `${e.name}: ${e.message}`;
        }
      for (let i = 0; i < 16; i++)
        window.PulseChat.registerTool(`t${i}`, { description: 'x', parameters: schema, execute() {} });
      try {
        window.PulseChat.registerTool('t16', { description: 'x', parameters: schema, execute() {} });
        out.seventeenth = 'accepted';
      } catch (e) {
        out.seventeenth = e.message;
      }
      // The same name again replaces a tool: no 17th.
      window.PulseChat.registerTool('t0', { description: 'again', parameters: schema, execute() {} });
      out.count = window.PulseChat.element.tools.size;
      return out;
    });
    assert.match(errors.name, /^TypeError: Pulse registerTool\("9lives"\): the name must match/);
    assert.match(errors.spaces, /the name must match/);
    assert.match(errors.schema, /parameters must be a JSON Schema of type "object"/);
    assert.match(errors.noSchema, /parameters must be a JSON Schema/);
    assert.match(errors.execute, /execute must be a function/);
    assert.match(errors.description, /description must be 1 to 1024 characters/);
    assert.match(errors.big, /at most 8 KB/);
    assert.match(errors.element, /^TypeError: .*the name must match/);
    assert.match(errors.seventeenth, /at most 16 tools/);
    assert.equal(errors.count, 16);
    await page.context().close();
  });

  test('each send carries the registered tools (name, description, schema; never the function); unregistered ones are not sent', async () => {
    const page = await openChat(() => {
      const schema = { type: 'object', properties: { q: { type: 'string' } } };
      window.PulseChat.registerTool('search_shop', { description: 'Search', parameters: schema, execute: () => [] });
      window.PulseChat.registerTool('secret_tool', { description: 'Gone soon', parameters: schema, execute: () => 1 });
      document.querySelector('pulse-chat').registerTool('on_element', {
        description: 'Registered on the element',
        parameters: schema,
        execute: () => 2,
      });
    });
    await type(page, 'first');
    await assistant(page).getByText('world').waitFor();
    await idle(page);
    assert.deepEqual(
      sends()[0].body.tools.map((t) => t.name),
      ['search_shop', 'secret_tool', 'on_element'],
    );
    assert.deepEqual(sends()[0].body.tools[0], {
      name: 'search_shop',
      description: 'Search',
      parameters: { type: 'object', properties: { q: { type: 'string' } } },
    });
    assert.equal(await page.evaluate(() => window.PulseChat.unregisterTool('secret_tool')), true);
    await page.evaluate(() => document.querySelector('pulse-chat').unregisterTool('on_element'));
    await type(page, 'second');
    await assistant(page).nth(1).getByText('world').waitFor();
    await idle(page);
    assert.deepEqual(
      sends()[1].body.tools.map((t) => t.name),
      ['search_shop'],
    );
    // Regenerate and edit carry them too.
    await page.locator('pulse-chat').getByRole('button', { name: 'Regenerate' }).click();
    await idle(page);
    const regenerate = server.api.requests.find((r) => r.path.endsWith('/regenerate'));
    assert.deepEqual(
      regenerate.body.tools.map((t) => t.name),
      ['search_shop'],
    );
    await page.evaluate(() => window.PulseChat.unregisterTool('search_shop'));
    await page.locator('pulse-chat [part~=user-message]').last().getByRole('button', { name: 'Edit' }).click();
    await page.locator('pulse-chat form.inline textarea').fill('second, edited');
    await page.locator('pulse-chat form.inline').getByRole('button', { name: 'Save' }).click();
    await idle(page);
    const edit = server.api.requests.find((r) => r.path.endsWith('/edit'));
    assert.equal(edit.body.message, 'second, edited');
    assert.equal(edit.body.tools, undefined, 'no tools left: no tools field');
    await page.context().close();
  });
});

describe('calls', () => {
  test('a call runs in the page, its result is posted, and the answer goes on in the same message with the step shown', async () => {
    server.api.toolRounds = [
      { text: 'Adding them now.', calls: [{ name: 'add_to_cart', input: { product: 'mug', quantity: 2 } }] },
    ];
    server.api.reply = { deltas: ['Two mugs ', 'are in your cart.'], delayMs: 20 };
    const page = await openChat(addToCart);
    await type(page, 'add two mugs to my cart');
    await assistant(page).getByText('Two mugs are in your cart.').waitFor();
    await idle(page);

    assert.deepEqual(await page.evaluate(() => window.calls), [{ product: 'mug', quantity: 2 }]);
    const [post] = results();
    assert.equal(results().length, 1);
    assert.equal(post.method, 'POST');
    assert.equal(post.headers.accept, 'text/event-stream');
    assert.match(post.headers.authorization, /^Bearer /);
    const answer = server.api.messages.get(server.api.sessions[0].id).find((m) => m.role === 'assistant');
    assert.equal(post.path, `/api/chat/sessions/${server.api.sessions[0].id}/tool-results`);
    assert.deepEqual(post.body, {
      assistant_message_id: answer.id,
      results: [
        { tool_call_id: answer.metadata.tool_calls[0].id, output: { cart: [{ product: 'mug', quantity: 2 }] } },
      ],
    });

    // One answer: the text before the call, the step, then the continuation.
    assert.equal(await assistant(page).count(), 1);
    const order = await assistant(page).evaluate((li) =>
      [...li.querySelectorAll('.md, [part~=tool-step]')].map((el) => (el.matches('.md') ? 'text' : 'step')),
    );
    assert.deepEqual(order, ['text', 'step', 'text']);
    const step = steps(page);
    await step.getByText('add_to_cart').waitFor();
    await step.getByRole('img', { name: 'Done' }).waitFor();
    assert.equal(await step.evaluate((d) => d.open), false, 'collapsed by default');
    await step.locator('summary').click();
    assert.match(await step.locator('pre').first().textContent(), /"product": "mug",\s+"quantity": 2/);
    await step.getByText('Result').waitFor();
    assert.match(await step.locator('pre').nth(1).textContent(), /"cart"/);

    const received = await events(page, 'pulse-message-received');
    assert.equal(received.length, 1, 'one answer, announced once when it ended');
    // The text as the stream gave it (each round's text is shown as its own block beside the steps).
    assert.equal(received[0].detail.text, 'Adding them now.Two mugs are in your cart.');
    assert.equal(received[0].detail.messageId, answer.id);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test("a throw goes back as the call's error; a call of a tool the page does not have runs nothing", async () => {
    server.api.toolRounds = [
      {
        calls: [
          { name: 'add_to_cart', input: { product: 'mug', quantity: 2 } },
          { name: 'delete_account', input: {} },
        ],
      },
    ];
    const page = await openChat(() => {
      window.PulseChat.registerTool('add_to_cart', {
        description: 'Add',
        parameters: { type: 'object', properties: {} },
        execute: () => {
          throw new Error('Out of blue mugs');
        },
      });
    });
    await type(page, 'add two mugs');
    await assistant(page).getByText('world').waitFor();
    await idle(page);
    const calls = server.api.messages.get(server.api.sessions[0].id).find((m) => m.role === 'assistant')
      .metadata.tool_calls;
    assert.deepEqual(results()[0].body.results, [
      { tool_call_id: calls[0].id, error: 'Out of blue mugs' },
      { tool_call_id: calls[1].id, error: 'This page has no tool named "delete_account".' },
    ]);
    assert.equal(await steps(page).count(), 2);
    await steps(page).first().getByRole('img', { name: 'Failed' }).waitFor();
    await steps(page).first().locator('summary').click();
    await steps(page).first().getByText('Out of blue mugs').waitFor();
    await page.context().close();
  });

  test('needsApproval asks first, by keyboard: Allow runs the tool, Deny posts denied without running it; both at once', async () => {
    server.api.toolRounds = [
      {
        calls: [
          { name: 'pay', input: { amount: 10 } },
          { name: 'pay', input: { amount: 5000 } },
        ],
      },
    ];
    const page = await openChat(() => {
      window.PulseChat.registerTool('pay', {
        description: 'Pay',
        parameters: { type: 'object', properties: { amount: { type: 'number' } } },
        needsApproval: true,
        execute: (input) => {
          window.calls.push(input);
          return 'paid';
        },
      });
    });
    await type(page, 'pay twice');
    const ask = page.locator('pulse-chat [role=group][aria-label="Allow the assistant to use “pay” on this page?"]');
    await ask.waitFor();
    // Focus went to Allow; the arguments are in view to decide on.
    await page.waitForFunction(() => {
      const root = document.querySelector('pulse-chat').shadowRoot.querySelector('pulse-chat-panel').shadowRoot;
      return root.activeElement?.textContent === 'Allow';
    });
    assert.equal(
      await steps(page)
        .first()
        .evaluate((d) => d.open),
      true,
    );
    await steps(page).first().getByText('"amount": 10').waitFor();
    await steps(page).first().getByRole('img', { name: 'Waiting for your answer' }).waitFor();
    assert.equal(results().length, 0, 'nothing posted while the visitor decides');
    await page.keyboard.press('Enter');
    // The second call asks in turn: Tab to Deny, Enter.
    await steps(page).nth(1).getByText('"amount": 5000').waitFor();
    await page.waitForFunction(() => {
      const root = document.querySelector('pulse-chat').shadowRoot.querySelector('pulse-chat-panel').shadowRoot;
      return root.activeElement?.textContent === 'Allow' && root.querySelectorAll('[data-ask]').length === 1;
    });
    await page.keyboard.press('Tab');
    await page.keyboard.press('Enter');
    await assistant(page).getByText('world').waitFor();
    await idle(page);
    assert.deepEqual(await page.evaluate(() => window.calls), [{ amount: 10 }], 'the denied call never ran');
    const calls = server.api.messages.get(server.api.sessions[0].id).find((m) => m.role === 'assistant')
      .metadata.tool_calls;
    assert.equal(results().length, 1, 'both answers in one request');
    assert.deepEqual(results()[0].body.results, [
      { tool_call_id: calls[0].id, output: 'paid' },
      { tool_call_id: calls[1].id, denied: true },
    ]);
    await steps(page).nth(1).getByRole('img', { name: 'Denied' }).waitFor();
    assert.equal(await ask.count(), 0);
    await page.context().close();
  });

  test('a result over 16 KB is not sent: the model gets an error saying it was too large', async () => {
    server.api.toolRounds = [{ calls: [{ name: 'dump', input: {} }] }];
    const page = await openChat(() => {
      window.PulseChat.registerTool('dump', {
        description: 'Dump',
        parameters: { type: 'object' },
        execute: () => ({ data: 'x'.repeat(17000) }),
      });
    });
    await type(page, 'dump it');
    await assistant(page).getByText('world').waitFor();
    const [r] = results()[0].body.results;
    assert.equal(r.output, undefined);
    assert.match(r.error, /^The tool's result was too large \(17011 bytes; at most 16384\)\.$/);
    await page.context().close();
  });

  test('arguments and results are shown as text, never as HTML', async () => {
    const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
    server.api.toolRounds = [{ calls: [{ name: 'echo', input: { html: evil } }] }];
    const page = await openChat(() => {
      window.PulseChat.registerTool('echo', {
        description: 'Echo',
        parameters: { type: 'object' },
        execute: (input) => input.html,
      });
    });
    await type(page, 'echo');
    await assistant(page).getByText('world').waitFor();
    await steps(page).locator('summary').click();
    const texts = await steps(page).locator('pre').allTextContents();
    assert.ok(texts[0].includes(evil.replace(/"/g, '\\"')), texts[0]);
    assert.equal(texts[1], evil, 'a text result shows as itself');
    assert.equal(await steps(page).locator('img, b').count(), 0);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await page.context().close();
  });

  test('a call the server answered itself (bad arguments) is shown but not run', async () => {
    server.api.toolRounds = [
      { calls: [{ name: 'add_to_cart', input: { product: 'mug' }, inputError: 'quantity is required' }] },
    ];
    const page = await openChat(addToCart);
    await type(page, 'add a mug');
    await steps(page).getByRole('img', { name: 'Failed' }).waitFor();
    await idle(page);
    await steps(page).locator('summary').click();
    await steps(page).getByText('quantity is required').waitFor();
    assert.deepEqual(await page.evaluate(() => window.calls), []);
    assert.equal(results().length, 0);
    await page.context().close();
  });

  test('two rounds in one answer, then a reload shows the stored steps', async () => {
    server.api.toolRounds = [
      { calls: [{ name: 'add_to_cart', input: { product: 'mug', quantity: 1 } }] },
      { text: 'And the poster.', calls: [{ name: 'add_to_cart', input: { product: 'poster', quantity: 1 } }] },
    ];
    const page = await openChat(addToCart);
    await type(page, 'a mug and a poster');
    await assistant(page).getByText('world').waitFor();
    await idle(page);
    assert.equal(results().length, 2);
    assert.deepEqual(
      (await page.evaluate(() => window.calls)).map((c) => c.product),
      ['mug', 'poster'],
    );
    assert.equal(await assistant(page).count(), 1);
    assert.equal(await steps(page).count(), 2);

    await page.reload();
    await page.locator('pulse-chat [part=launcher]').click();
    await assistant(page).getByText('And the poster.').waitFor();
    assert.equal(await steps(page).count(), 2);
    await steps(page).nth(1).getByRole('img', { name: 'Done' }).waitFor();
    await page.context().close();
  });

  test('Stop while the visitor is asked ends the wait at once and tells the server', async () => {
    server.api.toolRounds = [{ calls: [{ name: 'pay', input: { amount: 1 } }] }];
    const page = await openChat(() => {
      window.PulseChat.registerTool('pay', {
        description: 'Pay',
        parameters: { type: 'object' },
        needsApproval: true,
        execute: () => window.calls.push('paid'),
      });
    });
    await type(page, 'pay');
    await page.locator('pulse-chat [data-ask]').waitFor();
    await page.locator('pulse-chat').getByRole('button', { name: 'Stop' }).click();
    await assistant(page).getByText('Stopped.').waitFor();
    await idle(page);
    assert.equal(await page.locator('pulse-chat [data-ask]').count(), 0);
    // The page stops at once; its POST …/stop goes without being waited for.
    await eventually('the stop reached the server', () => server.api.requests.some((r) => r.path.endsWith('/stop')));
    assert.equal(results().length, 0);
    assert.deepEqual(await page.evaluate(() => window.calls), []);
    await page.context().close();
  });
});

describe('the demo shop', () => {
  test('the assistant fills the cart of the demo page through its add_to_cart tool', async () => {
    server.api.toolRounds = [
      { calls: [{ name: 'add_to_cart', input: { product: 'mug', color: 'blue', quantity: 2 } }] },
    ];
    server.api.reply = { deltas: ['Two blue mugs are in your cart.'], delayMs: 10 };
    const page = await openPage(browser, `${server.origin}/demo/`);
    await page.locator('#cart-count').getByText('0 items').waitFor();
    await page.locator('pulse-chat [part=launcher]').click();
    await type(page, 'add two blue mugs to my cart');
    await assistant(page).getByText('Two blue mugs are in your cart.').waitFor();
    assert.deepEqual(await page.locator('#cart-items li').allTextContents(), ['2 × blue mug']);
    assert.equal(await page.locator('#cart-count').textContent(), '2 items');
    await steps(page).getByText('add_to_cart').waitFor();
    await steps(page).getByRole('img', { name: 'Done' }).waitFor();

    const tool = sends()[0].body.tools[0];
    assert.equal(tool.name, 'add_to_cart');
    assert.deepEqual(tool.parameters.properties.product.enum, ['mug', 't-shirt', 'poster']);
    assert.deepEqual(results()[0].body.results[0].output.cart, [{ product: 'mug', color: 'blue', quantity: 2 }]);
    // The page's own buttons add to the same cart.
    await page.getByRole('button', { name: 'Add a blue mug' }).click();
    assert.deepEqual(await page.locator('#cart-items li').allTextContents(), ['3 × blue mug']);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });
});
