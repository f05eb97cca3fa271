import { titleFrom } from './title.js';

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
