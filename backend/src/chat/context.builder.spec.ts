import { buildContext, titleFrom } from './context.builder.js';

describe('buildContext', () => {
  it('puts the system prompt first, then the stored window in order', () => {
    const window = [
      { role: 'user' as const, content: 'one' },
      { role: 'assistant' as const, content: 'two' },
      { role: 'user' as const, content: 'three' },
    ];
    expect(buildContext('Be brief.', window)).toEqual([{ role: 'system', content: 'Be brief.' }, ...window]);
  });

  it('leaves out an empty system prompt', () => {
    expect(buildContext('   ', [{ role: 'user', content: 'hi' }])).toEqual([{ role: 'user', content: 'hi' }]);
  });
});

describe('titleFrom', () => {
  it('uses the first line with whitespace collapsed', () => {
    expect(titleFrom('  How   do I\tbrew?\nMore details here')).toBe('How do I brew?');
  });

  it('cuts long messages at a word boundary with an ellipsis, at most 60 characters', () => {
    const title = titleFrom('word '.repeat(40));
    expect(title.length).toBeLessThanOrEqual(60);
    expect(title.endsWith('word…')).toBe(true);
  });

  it('cuts a long word mid-word rather than returning nothing', () => {
    expect(titleFrom('x'.repeat(100))).toBe(`${'x'.repeat(59)}…`);
  });
});
