import type { AiMessage, AiTool } from './ai-provider.js';
import { demoToolCall, demoToolResultAnswer, plural } from './demo-tool-call.js';

/** The demo shop's tool, as its page registers it. */
const addToCart: AiTool = {
  name: 'add_to_cart',
  description: 'Adds a product of the shop to the visitor’s cart.',
  parameters: {
    type: 'object',
    properties: {
      product: { type: 'string', enum: ['mug', 't-shirt', 'poster'] },
      color: { type: 'string' },
      quantity: { type: 'integer', minimum: 1, maximum: 20 },
    },
    required: ['product', 'quantity'],
  },
};

const setTheme: AiTool = {
  name: 'setTheme',
  description: 'Switches the page between light and dark.',
  parameters: {
    type: 'object',
    properties: { theme: { type: 'string', enum: ['light', 'dark'] } },
    required: ['theme'],
  },
};

describe('demoToolCall', () => {
  it.each([
    ['add two blue mugs to my cart', { product: 'mug', color: 'blue', quantity: 2 }],
    ['Add 3 posters to the cart please', { product: 'poster', quantity: 3 }],
    ['add a red t-shirt to my cart', { product: 't-shirt', color: 'red', quantity: 1 }],
    ['Please add twenty T-Shirts to my cart', { product: 't-shirt', quantity: 20 }],
    ['add eleven GREY mugs', { product: 'mug', color: 'grey', quantity: 11 }],
    ['could you add one poster', { product: 'poster', quantity: 1 }],
  ])('reads %j as add_to_cart(%j)', (message, args) => {
    const call = demoToolCall([addToCart], message);
    expect(call).toEqual({ name: 'add_to_cart', arguments: args });
    // The arguments keep the schema's order, as a model writes them.
    expect(Object.keys(call!.arguments)).toEqual(Object.keys(args));
  });

  it.each([
    ['hello there', 'nothing names the tool'],
    ['what is in my cart?', 'the tool is named but no product is'],
    ['show me your posters', 'a product alone is not a request to add it'],
    ['add a lamp to my cart', 'a product the shop does not sell'],
  ])('makes no call for %j (%s)', (message) => {
    expect(demoToolCall([addToCart], message)).toBeUndefined();
  });

  it('passes a number past the schema’s maximum on as said (the backend checks the schema)', () => {
    expect(demoToolCall([addToCart], 'add 30 mugs to the cart')?.arguments).toEqual({ product: 'mug', quantity: 30 });
  });

  it('picks the tool the message names among several, by camelCase name words too', () => {
    const tools = [addToCart, setTheme];
    expect(demoToolCall(tools, 'set the theme to dark')).toEqual({ name: 'setTheme', arguments: { theme: 'dark' } });
    expect(demoToolCall(tools, 'switch to the light page')).toEqual({
      name: 'setTheme',
      arguments: { theme: 'light' },
    });
    expect(demoToolCall(tools, 'add a mug to my cart')?.name).toBe('add_to_cart');
  });

  it('takes the enum value said first, and leaves optional fields it cannot read out', () => {
    const tool: AiTool = {
      name: 'add_to_cart',
      description: 'Adds to the cart.',
      parameters: {
        type: 'object',
        properties: {
          product: { type: 'string', enum: ['mug', 'poster'] },
          size: { type: 'string', enum: ['small', 'large'] },
          note: { type: 'string' },
          gift: { type: 'boolean' },
        },
      },
    };
    expect(demoToolCall([tool], 'add a poster and a mug to my cart')?.arguments).toEqual({ product: 'poster' });
  });

  it('works with a tool without parameters’ properties', () => {
    const clear: AiTool = { name: 'clear_cart', description: 'Empties the cart.', parameters: { type: 'object' } };
    expect(demoToolCall([clear], 'please clear my cart')).toEqual({ name: 'clear_cart', arguments: {} });
  });

  it('makes plurals the way the shop’s products need', () => {
    expect([plural('mug'), plural('t shirt'), plural('glass'), plural('box'), plural('accessory')]).toEqual([
      'mugs',
      't shirts',
      'glasses',
      'boxes',
      'accessories',
    ]);
  });
});

describe('demoToolResultAnswer', () => {
  const asked: AiMessage = { role: 'user', content: 'add two blue mugs to my cart' };
  const called = (args: unknown, name = 'add_to_cart'): AiMessage => ({
    role: 'assistant',
    content: '',
    toolCalls: [{ id: 'call_1', name, arguments: JSON.stringify(args) }],
  });
  const result = (content: unknown): AiMessage => ({
    role: 'tool',
    toolCallId: 'call_1',
    content: JSON.stringify(content),
  });
  const twoBlueMugs = { product: 'mug', color: 'blue', quantity: 2 };

  it('says what is in the cart when the page answered ok or with the cart', () => {
    expect(demoToolResultAnswer([asked, called(twoBlueMugs), result({ ok: true })])).toBe(
      'Done: 2 blue mugs are in your cart.',
    );
    expect(
      demoToolResultAnswer([asked, called(twoBlueMugs), result({ cart: [{ product: 'mug', quantity: 2 }] })]),
    ).toBe('Done: 2 blue mugs are in your cart.');
    expect(demoToolResultAnswer([asked, called({ product: 't-shirt', quantity: 1 }), result({ ok: true })])).toBe(
      'Done: 1 t-shirt is in your cart.',
    );
  });

  it('says the tool failed, with its error, or that the visitor declined it', () => {
    expect(demoToolResultAnswer([asked, called(twoBlueMugs), result({ error: 'Out of stock' })])).toBe(
      'Sorry, add_to_cart failed: Out of stock',
    );
    expect(
      demoToolResultAnswer([asked, called(twoBlueMugs), result({ error: 'The visitor denied this action.' })]),
    ).toBe('Okay, I did not run add_to_cart: you declined it.');
  });

  it('names another tool and its arguments', () => {
    expect(demoToolResultAnswer([asked, called({ theme: 'dark' }, 'setTheme'), result({ ok: true })])).toBe(
      'Done: setTheme (dark) worked.',
    );
  });

  it('answers only the last round, one line per result', () => {
    const round2: AiMessage[] = [
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'call_2', name: 'add_to_cart', arguments: '{"product":"poster","quantity":3}' },
          { id: 'call_3', name: 'add_to_cart', arguments: '{"product":"mug","quantity":1}' },
        ],
      },
      { role: 'tool', toolCallId: 'call_2', content: '{"ok":true}' },
      { role: 'tool', toolCallId: 'call_3', content: '{"error":"Out of stock"}' },
    ];
    expect(demoToolResultAnswer([asked, called(twoBlueMugs), result({ ok: true }), ...round2])).toBe(
      'Done: 3 posters are in your cart.\n\nSorry, add_to_cart failed: Out of stock',
    );
  });
});
