import { AppConfig } from '../config/app-config.js';
import { checkCalls, resultText, toolTurns, type StoredToolCall } from './tool-calls.js';
import { ToolDefinitions } from './tool-definitions.js';

const config = AppConfig.fromEnvironment({ JWT_SECRET_KEY: 'x'.repeat(32) });
const tools = new ToolDefinitions(config).check([
  {
    name: 'add_to_cart',
    description: 'Add to the cart',
    parameters: {
      type: 'object',
      properties: { product: { type: 'string' }, quantity: { type: 'integer', minimum: 1 } },
      required: ['product'],
    },
  },
]);

describe('checkCalls', () => {
  it("keeps the model's text, parses it, and refuses unknown tools, bad JSON and arguments off the schema", () => {
    const calls = checkCalls(
      [
        { id: 'a', name: 'add_to_cart', arguments: '{"product":"mug","quantity":2}' },
        { id: 'b', name: 'add_to_cart', arguments: '' },
        { id: 'c', name: 'add_to_cart', arguments: '{"quantity":0,"product":"mug"}' },
        { id: 'd', name: 'rm_rf', arguments: '{}' },
        { id: 'e', name: 'add_to_cart', arguments: '{"product":' },
      ],
      tools,
      3,
    );
    expect(calls.map((c) => [c.id, c.state, c.round])).toEqual([
      ['a', 'input-available', 3],
      ['b', 'input-error', 3],
      ['c', 'input-error', 3],
      ['d', 'input-error', 3],
      ['e', 'input-error', 3],
    ]);
    expect(calls[0].input).toEqual({ product: 'mug', quantity: 2 });
    expect(calls[1].error).toBe("The arguments do not fit the tool: (root) must have required property 'product'");
    expect(calls[2].error).toBe('The arguments do not fit the tool: /quantity must be >= 1');
    expect(calls[3].error).toBe('There is no tool named rm_rf.');
    expect(calls[4]).toMatchObject({ input: '{"product":', error: 'The arguments are not valid JSON.' });
  });

  it('refuses every call when the page offered no tool', () => {
    expect(checkCalls([{ id: 'a', name: 'x', arguments: '{}' }], undefined, 1)[0].state).toBe('input-error');
  });
});

describe('what the model reads of the calls', () => {
  const call = (over: Partial<StoredToolCall>): StoredToolCall => ({
    id: 'a',
    name: 'add_to_cart',
    input: {},
    arguments: '{}',
    state: 'output-available',
    round: 1,
    ...over,
  });

  it('says outputs as JSON, and errors and refusals in words', () => {
    expect(resultText(call({ output: { ok: true } }))).toBe('{"ok":true}');
    expect(resultText(call({ output: undefined }))).toBe('null');
    expect(resultText(call({ state: 'output-error', error: 'Full.' }))).toBe('{"error":"Full."}');
    expect(resultText(call({ state: 'output-denied' }))).toBe('{"error":"The visitor denied this action."}');
  });

  it('gives each round its assistant turn and its results, the text with the first', () => {
    const turns = toolTurns('Sure. ', [
      call({ id: 'a', arguments: '{"x":1}' }),
      call({ id: 'b', round: 1 }),
      call({ id: 'c', round: 2, state: 'output-error', error: 'No.' }),
    ]);
    expect(turns).toEqual([
      {
        role: 'assistant',
        content: 'Sure. ',
        toolCalls: [
          { id: 'a', name: 'add_to_cart', arguments: '{"x":1}' },
          { id: 'b', name: 'add_to_cart', arguments: '{}' },
        ],
      },
      { role: 'tool', toolCallId: 'a', content: 'null' },
      { role: 'tool', toolCallId: 'b', content: 'null' },
      { role: 'assistant', content: '', toolCalls: [{ id: 'c', name: 'add_to_cart', arguments: '{}' }] },
      { role: 'tool', toolCallId: 'c', content: '{"error":"No."}' },
    ]);
  });
});
