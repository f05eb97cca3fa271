// The host page's tools (issue 24) against the real backend and the model stand-in scripted to
// call them: the demo shop's cart filled by the widget through its add_to_cart tool, and the same
// through the AI SDK's own chat client (onToolCall + addToolOutput + sendAutomaticallyWhen).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { Hopeless, eventually } from '@pulse/testkit';
import { AbstractChat, DefaultChatTransport, lastAssistantMessageIsCompleteWithToolCalls } from 'ai';
import { assistant, idle, openChat, openPage, send, useStack } from './harness.mjs';

let stack;
let browser;
useStack((s, b) => {
  stack = s;
  browser = b;
});

const TWO_BLUE_MUGS = { name: 'add_to_cart', arguments: { product: 'mug', color: 'blue', quantity: 2 } };

/** The functions the model was offered in the upstream request `i`. */
const offered = (i) => (stack.upstream.requests[i]?.body?.tools ?? []).map((t) => t.function.name);

describe('the demo shop', () => {
  test('"add two blue mugs to my cart" puts two blue mugs in the page\'s cart, with the step shown in the chat', async () => {
    stack.upstream.enqueue({ kind: 'tool_calls', calls: [TWO_BLUE_MUGS] });
    stack.upstream.enqueue({ kind: 'text', text: 'Done: two blue mugs are in your cart.' });
    const page = await openPage(browser, `${stack.api}/demo/`);
    await page.locator('#cart-count').getByText('0 items').waitFor();
    await openChat(page);
    await send(page, 'add two blue mugs to my cart');
    await assistant(page).getByText('Done: two blue mugs are in your cart.').waitFor();
    await idle(page);

    assert.deepEqual(await page.locator('#cart-items li').allTextContents(), ['2 × blue mug']);
    assert.equal(await page.locator('#cart-count').textContent(), '2 items');
    assert.equal(await assistant(page).count(), 1, 'the call and the answer after it are one message');
    const step = page.locator('pulse-chat [part~=tool-step]');
    await step.getByText('add_to_cart').waitFor();
    await step.getByRole('img', { name: 'Done' }).waitFor();

    // The model was offered the page's tool and no other; its second turn read the page's result.
    assert.deepEqual(offered(0), ['add_to_cart']);
    const toolMessage = stack.upstream.requests[1].body.messages.find((m) => m.role === 'tool');
    assert.ok(toolMessage, 'the result went back to the model as the tool message');
    assert.match(JSON.stringify(toolMessage.content), /blue/);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('a tool the page did not register is never offered to the model', async () => {
    const user = stack.user();
    stack.upstream.enqueue({ kind: 'text', text: 'Plain answer.' });
    const page = await openPage(browser, stack.page());
    await openChat(page);
    await send(page, 'hello');
    await assistant(page).getByText('Plain answer.').waitFor();
    assert.ok(user.id);
    assert.equal(stack.upstream.requests[0].body.tools, undefined);
    await page.context().close();
  });
});

/** The AI SDK's chat with an in-memory state (what @ai-sdk/react's Chat keeps in React state). */
class State {
  status = 'ready';
  error = undefined;
  messages = [];
  pushMessage = (m) => (this.messages = [...this.messages, m]);
  popMessage = () => (this.messages = this.messages.slice(0, -1));
  replaceMessage = (i, m) => (this.messages = this.messages.map((x, j) => (j === i ? m : x)));
  snapshot = (x) => structuredClone(x);
}
class Chat extends AbstractChat {}

describe('the AI SDK client', () => {
  test('onToolCall + addToolOutput + sendAutomaticallyWhen: the results go to …/tool-results and the answer goes on', async () => {
    const user = stack.user();
    stack.upstream.enqueue({ kind: 'tool_calls', calls: [TWO_BLUE_MUGS], text: 'Adding them.' });
    stack.upstream.enqueue({ kind: 'text', text: 'Two blue mugs are in your cart.' });
    const cart = [];
    const tools = [
      {
        name: 'add_to_cart',
        description: "Add a product from this shop to the visitor's cart",
        parameters: {
          type: 'object',
          properties: {
            product: { type: 'string', enum: ['mug', 't-shirt', 'poster'] },
            color: { type: 'string' },
            quantity: { type: 'integer', minimum: 1, maximum: 20 },
          },
          required: ['product', 'quantity'],
        },
      },
    ];
    let sessionId;
    // Outputs already posted: a later round posts only its own calls.
    const posted = new Set();
    const requests = [];
    const chat = new Chat({
      state: new State(),
      transport: new DefaultChatTransport({
        api: `${stack.api}/api/chat/send`,
        headers: { Authorization: `Bearer ${user.token}`, Accept: 'text/event-stream' },
        prepareSendMessagesRequest: ({ messages, headers }) => {
          const last = messages.at(-1);
          if (last.role === 'assistant') {
            // sendAutomaticallyWhen fired: every call of the last round has its output.
            const results = last.parts
              .filter((p) => p.type === 'dynamic-tool' && !posted.has(p.toolCallId))
              .map((p) =>
                p.state === 'output-error'
                  ? { tool_call_id: p.toolCallId, error: p.errorText }
                  : { tool_call_id: p.toolCallId, output: p.output },
              );
            for (const r of results) posted.add(r.tool_call_id);
            requests.push('tool-results');
            return {
              api: `${stack.api}/api/chat/sessions/${sessionId}/tool-results`,
              headers,
              body: { assistant_message_id: last.id, results },
            };
          }
          requests.push('send');
          return {
            headers,
            body: {
              message: last.parts.map((p) => (p.type === 'text' ? p.text : '')).join(''),
              session_id: sessionId,
              tools,
            },
          };
        },
      }),
      onData: (part) => {
        if (part.type === 'data-session') sessionId = part.data.session_id;
      },
      onToolCall: ({ toolCall }) => {
        cart.push(toolCall.input);
        void chat.addToolOutput({ tool: toolCall.toolName, toolCallId: toolCall.toolCallId, output: { cart } });
      },
      sendAutomaticallyWhen: lastAssistantMessageIsCompleteWithToolCalls,
    });

    await chat.sendMessage({ text: 'add two blue mugs to my cart' });
    await eventually('the chat has sent the results and read the answer to its end', () => {
      if (chat.status === 'error') throw new Hopeless(`the chat failed: ${chat.error?.stack ?? chat.error}`);
      assert.equal(chat.status, 'ready');
      assert.deepEqual(requests, ['send', 'tool-results']);
      return true;
    });
    assert.equal(chat.error, undefined);
    assert.deepEqual(cart, [{ product: 'mug', color: 'blue', quantity: 2 }]);
    assert.equal(chat.messages.length, 2, 'one question, one answer');
    const answer = chat.messages[1];
    const call = answer.parts.find((p) => p.type === 'dynamic-tool');
    assert.equal(call.toolName, 'add_to_cart');
    assert.equal(call.state, 'output-available');
    assert.equal(
      answer.parts
        .filter((p) => p.type === 'text')
        .map((p) => p.text)
        .join(''),
      'Adding them.Two blue mugs are in your cart.',
    );

    const stored = await stack.storedAnswer(user.token, sessionId);
    assert.equal(stored.id, answer.id, 'the continuation went into the same stored answer');
    assert.equal(stored.metadata.tool_calls[0].state, 'output-available');
    assert.deepEqual(stored.metadata.tool_calls[0].output, { cart: [{ product: 'mug', color: 'blue', quantity: 2 }] });
  });
});
