// The chat Edge Function with function calling: tools and tool_choice checked and forwarded,
// tool-calling turns and tool results forwarded, the model's calls relayed unchanged.
// Run from the repo root: scripts/test-edge.sh
import { assert, assertEquals, assertMatch } from './assert.ts';
import { handleChat } from '../chat/index.ts';
import { TOOL_LIMITS } from '../chat/tools.ts';
import { chatRequest, hello, sseData, withUpstream } from './support.ts';

const addToCart = {
  type: 'function',
  function: {
    name: 'add_to_cart',
    description: 'Adds a product of the shop to the cart.',
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
};

const call = {
  id: 'call_cart1',
  type: 'function',
  function: { name: 'add_to_cart', arguments: '{"product":"mug","color":"blue","quantity":2}' },
};

/** A conversation where the model called a tool and the page answered it. */
const continuation = [
  { role: 'user', content: 'add two blue mugs to my cart' },
  { role: 'assistant', content: null, tool_calls: [call] },
  { role: 'tool', tool_call_id: 'call_cart1', content: '{"ok":true,"cart":{"mug":2}}' },
];

withUpstream('forwards tools and tool_choice to the upstream exactly as given', async (upstream) => {
  const response = await handleChat(chatRequest({ ...hello, tools: [addToCart], tool_choice: 'auto' }));
  assertEquals(response.status, 200);
  await response.body?.cancel();
  const sent = upstream.lastRequest();
  assertEquals(sent.tools, [addToCart]);
  assertEquals(sent.tool_choice, 'auto');

  const none = await handleChat(chatRequest({ ...hello, tools: [addToCart], tool_choice: 'none', stream: true }));
  assertEquals(sseData(await none.text()).at(-1), '[DONE]');
  assertEquals(upstream.lastRequest().tool_choice, 'none');

  // Without tools (or with an empty list) the upstream sees neither field.
  for (const body of [hello, { ...hello, tools: [] }]) {
    await (await handleChat(chatRequest(body))).body?.cancel();
    const plain = upstream.lastRequest();
    assert(!('tools' in plain) && !('tool_choice' in plain), 'no tool fields without tools');
  }
});

withUpstream('relays the model’s streamed tool calls and finish_reason tool_calls unchanged', async (upstream) => {
  const args = '{"product":"mug","color":"blue","quantity":2}';
  upstream.enqueue({
    kind: 'tool_calls',
    text: 'Adding them now.',
    calls: [
      { id: 'call_a', name: 'add_to_cart', arguments: args },
      { id: 'call_b', name: 'add_to_cart', arguments: { product: 'poster', quantity: 1 } },
    ],
  });
  const response = await handleChat(chatRequest({ ...hello, tools: [addToCart], stream: true }));
  assertEquals(response.status, 200);
  const events = sseData(await response.text());
  assertEquals(events.at(-1), '[DONE]');
  const chunks = events.slice(0, -1).map((event) => JSON.parse(event));

  const pieces = chunks.flatMap((chunk) => chunk.choices[0]?.delta?.tool_calls ?? []);
  const starts = pieces.filter((piece) => piece.id !== undefined);
  assertEquals(starts, [
    { index: 0, id: 'call_a', type: 'function', function: { name: 'add_to_cart', arguments: '' } },
    { index: 1, id: 'call_b', type: 'function', function: { name: 'add_to_cart', arguments: '' } },
  ]);
  const argumentsOf = (index: number) =>
    pieces
      .filter((piece) => piece.index === index)
      .map((piece) => piece.function.arguments)
      .join('');
  assertEquals(argumentsOf(0), args);
  assertEquals(JSON.parse(argumentsOf(1)), { product: 'poster', quantity: 1 });
  assert(pieces.filter((piece) => piece.index === 0).length > 2, 'the arguments arrive in pieces');
  assertEquals(chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join(''), 'Adding them now.');
  const finishes = chunks.map((chunk) => chunk.choices[0]?.finish_reason).filter((reason) => reason);
  assertEquals(finishes, ['tool_calls']);
  assertEquals(chunks.at(-1).choices, [], 'the usage chunk still comes last');
});

withUpstream('answers a JSON request whose model called tools with the calls', async (upstream) => {
  upstream.enqueue({ kind: 'tool_calls', calls: [{ id: 'call_j', name: 'add_to_cart', arguments: { quantity: 3 } }] });
  const response = await handleChat(chatRequest({ ...hello, tools: [addToCart] }));
  assertEquals(response.status, 200);
  const body = await response.json();
  assertEquals(body.response, '');
  assertEquals(body.finish_reason, 'tool_calls');
  assertEquals(body.tool_calls, [
    { id: 'call_j', type: 'function', function: { name: 'add_to_cart', arguments: '{"quantity":3}' } },
  ]);
});

withUpstream('forwards an assistant tool_calls turn and the tool result, nothing more', async (upstream) => {
  const smuggled = [
    continuation[0],
    { ...continuation[1], name: 'x', audio: { id: 'a' } },
    { ...continuation[2], name: 'add_to_cart', extra: true },
  ];
  const response = await handleChat(chatRequest({ messages: smuggled, tools: [addToCart], system_prompt: 'Shop.' }));
  assertEquals(response.status, 200);
  await response.body?.cancel();
  assertEquals(upstream.lastRequest().messages, [{ role: 'system', content: 'Shop.' }, ...continuation]);

  // A turn with words beside its calls keeps them; the streamed path forwards the same.
  const withText = [continuation[0], { ...continuation[1], content: 'One moment.' }, continuation[2]];
  const streamed = await handleChat(chatRequest({ messages: withText, tools: [addToCart], stream: true }));
  assertEquals(sseData(await streamed.text()).at(-1), '[DONE]');
  assertEquals(upstream.lastRequest().messages, withText);

  // A call of a tool that does not exist went back to the model as an error: the turn still goes up.
  const odd = [
    continuation[0],
    { ...continuation[1], tool_calls: [{ ...call, function: { name: 'functions.add to cart', arguments: '{' } }] },
    continuation[2],
  ];
  await (await handleChat(chatRequest({ messages: odd, tools: [addToCart] }))).body?.cancel();
  assertEquals(upstream.lastRequest().messages, odd);

  // The content of a tool-calling turn may be left out: it goes up as null.
  const { content: _dropped, ...noContent } = continuation[1];
  await (
    await handleChat(chatRequest({ messages: [continuation[0], noContent, continuation[2]], tools: [addToCart] }))
  ).body?.cancel();
  assertEquals(upstream.lastRequest().messages[1], continuation[1]);
});

const tool = (fn: Record<string, unknown>) => ({ type: 'function', function: { ...addToCart.function, ...fn } });

withUpstream(
  'refuses bad tools with 400 INVALID_REQUEST naming the field, never calling upstream',
  async (upstream) => {
    const manyTools = Array.from({ length: TOOL_LIMITS.maxTools + 1 }, (_, i) => tool({ name: `tool_${i}` }));
    const bigSchema = {
      type: 'object',
      properties: { note: { type: 'string', description: 'x'.repeat(TOOL_LIMITS.maxParametersBytes) } },
    };
    const bad: [string, unknown, RegExp][] = [
      ['tools not an array', { tools: addToCart }, /^tools must be an array/],
      ['too many tools', { tools: manyTools }, /^tools must hold at most 16/],
      ['a tool that is a string', { tools: ['add_to_cart'] }, /^tools\[0\]/],
      ['a tool of another type', { tools: [{ ...addToCart, type: 'code_interpreter' }] }, /^tools\[0\]\.type/],
      ['a tool with an extra field', { tools: [{ ...addToCart, cache_control: {} }] }, /^tools\[0\] must be/],
      ['a function with an extra field', { tools: [tool({ strict: true })] }, /^tools\[0\]\.function must be/],
      ['a name with a space', { tools: [tool({ name: 'add to cart' })] }, /^tools\[0\]\.function\.name/],
      ['a name opening with a digit', { tools: [tool({ name: '1tool' })] }, /^tools\[0\]\.function\.name/],
      ['a name of 65 characters', { tools: [tool({ name: `a${'b'.repeat(64)}` })] }, /^tools\[0\]\.function\.name/],
      ['no name', { tools: [{ type: 'function', function: { description: 'x' } }] }, /^tools\[0\]\.function\.name/],
      ['a name given twice', { tools: [addToCart, addToCart] }, /^tools\[1\]\.function\.name .* twice/],
      ['parameters an array', { tools: [tool({ parameters: [] })] }, /^tools\[0\]\.function\.parameters/],
      ['parameters a string', { tools: [tool({ parameters: '{}' })] }, /^tools\[0\]\.function\.parameters/],
      ['parameters not of an object', { tools: [tool({ parameters: { type: 'string' } })] }, /parameters/],
      ['parameters over 8 KB', { tools: [tool({ parameters: bigSchema })] }, /at most 8192 bytes/],
      ['a description too long', { tools: [tool({ description: 'x'.repeat(1025) })] }, /description/],
      ['tool_choice required', { tools: [addToCart], tool_choice: 'required' }, /^tool_choice must be auto or none/],
      [
        'tool_choice naming a function',
        { tools: [addToCart], tool_choice: { type: 'function', function: { name: 'add_to_cart' } } },
        /^tool_choice must be auto or none/,
      ],
      ['tool_choice without tools', { tool_choice: 'auto' }, /^tool_choice needs tools/],
    ];
    for (const [label, fields, error] of bad) {
      const response = await handleChat(chatRequest({ ...hello, ...(fields as Record<string, unknown>) }));
      assertEquals(response.status, 400, label);
      const answer = await response.json();
      assertEquals(answer.code, 'INVALID_REQUEST', label);
      assertMatch(answer.error, error, label);
    }
    assertEquals(upstream.requests.length, 0);

    // The limits themselves are allowed.
    const sixteen = manyTools.slice(0, TOOL_LIMITS.maxTools);
    const longest = tool({ name: `a${'b'.repeat(63)}`, description: 'x'.repeat(1024) });
    const edges = await handleChat(chatRequest({ ...hello, tools: [...sixteen.slice(1), longest] }));
    assertEquals(edges.status, 200);
    await edges.body?.cancel();
    assertEquals((upstream.lastRequest().tools as unknown[]).length, 16);
  },
);

withUpstream('refuses bad tool-calling turns and tool results with 400, never calling upstream', async (upstream) => {
  const [user, assistant, result] = continuation;
  const withCall = (fields: Record<string, unknown>) => ({ ...assistant, tool_calls: [{ ...call, ...fields }] });
  const bad: [string, unknown[], RegExp][] = [
    ['a tool result answering no call', [user, result], /^messages\[1\]\.tool_call_id must answer/],
    ['a tool result before its call', [user, result, assistant], /^messages\[1\]\.tool_call_id must answer/],
    ['a tool result without an id', [user, assistant, { role: 'tool', content: 'ok' }], /^messages\[2\]\.tool_call_id/],
    [
      'a tool result that is not text',
      [user, assistant, { ...result, content: { ok: true } }],
      /^messages\[2\]\.content/,
    ],
    ['tool_calls in a user message', [{ ...user, tool_calls: [call] }], /^messages\[0\]\.tool_calls is only allowed/],
    [
      'tool_call_id in a user message',
      [{ ...user, tool_call_id: 'call_cart1' }],
      /^messages\[0\]\.tool_call_id is only/,
    ],
    ['tool_calls empty', [user, { ...assistant, tool_calls: [] }], /^messages\[1\]\.tool_calls must be an array/],
    ['a call without an id', [user, withCall({ id: '' })], /^messages\[1\]\.tool_calls\[0\]\.id/],
    ['a call of another type', [user, withCall({ type: 'custom' })], /^messages\[1\]\.tool_calls\[0\]\.type/],
    ['a call with an extra field', [user, withCall({ index: 0 })], /^messages\[1\]\.tool_calls\[0\] must be/],
    [
      'arguments as an object',
      [user, withCall({ function: { name: 'add_to_cart', arguments: { quantity: 2 } } })],
      /^messages\[1\]\.tool_calls\[0\]\.function\.arguments/,
    ],
    [
      'a call without a function name',
      [user, withCall({ function: { name: '', arguments: '{}' } })],
      /^messages\[1\]\.tool_calls\[0\]\.function\.name/,
    ],
    [
      'parts beside tool calls',
      [user, { ...assistant, content: [{ type: 'text', text: 'x' }] }],
      /^messages\[1\]\.content/,
    ],
  ];
  for (const [label, messages, error] of bad) {
    const response = await handleChat(chatRequest({ messages, tools: [addToCart] }));
    assertEquals(response.status, 400, label);
    const answer = await response.json();
    assertEquals(answer.code, 'INVALID_REQUEST', label);
    assertMatch(answer.error, error, label);
  }
  assertEquals(upstream.requests.length, 0);
});
