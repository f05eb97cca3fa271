import { AppConfig } from '../config/app-config.js';
import { ToolDefinitions } from './tool-definitions.js';

const config = AppConfig.fromEnvironment({ JWT_SECRET_KEY: 'x'.repeat(32) });
const tool = (parameters: Record<string, unknown>, name = 'add_to_cart') => ({
  name,
  description: 'Add to the cart',
  parameters,
});
const SCHEMA = { type: 'object', properties: { quantity: { type: 'integer', minimum: 1 } }, required: ['quantity'] };

describe('ToolDefinitions', () => {
  it('compiles a schema once for all the sends that bring it, as new objects each time', () => {
    const tools = new ToolDefinitions(config);
    const first = tools.check([tool(structuredClone(SCHEMA))])!;
    const second = tools.check([tool(structuredClone(SCHEMA))])!;
    expect(second.validators.get('add_to_cart')).toBe(first.validators.get('add_to_cart'));
    expect(first.validators.get('add_to_cart')!({ quantity: 0 })).toBe(false);
    expect(first.validators.get('add_to_cart')!({ quantity: 2 })).toBe(true);
  });

  it('takes a schema with an $id again and again (it is not registered by its id)', () => {
    const tools = new ToolDefinitions(config);
    const withId = { $id: 'https://shop.example/cart.json', ...SCHEMA };
    expect(tools.check([tool(structuredClone(withId))])).toBeDefined();
    expect(tools.check([tool({ ...structuredClone(withId), description: 'changed' })])).toBeDefined();
  });

  it('keeps a bounded number of compiled schemas', () => {
    const tools = new ToolDefinitions(config);
    for (let i = 0; i < 300; i++) tools.check([tool({ ...SCHEMA, description: `v${i}` })]);
    expect((tools as unknown as { compiled: Map<string, unknown> }).compiled.size).toBe(256);
  });
});
