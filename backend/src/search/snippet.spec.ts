import { highlightsIn, snippetAround } from './snippet.js';

describe('snippetAround', () => {
  it('returns short text whole, with runs of whitespace folded', () => {
    expect(snippetAround('  one\n\ntwo\tthree ', 'two')).toBe('one two three');
  });

  it('cuts long text around the first wanted word, within the limit, with ellipses on cut sides', () => {
    const text = `${'a '.repeat(300)}needle ${'b '.repeat(300)}`;
    const s = snippetAround(text, 'needle');
    expect(s.length).toBeLessThanOrEqual(200);
    expect(s).toMatch(/^….*needle.*…$/);
  });

  it('matches whole words in any case, skipping `or` and excluded words', () => {
    const text = `${'x '.repeat(200)}Needles Needle ${'y '.repeat(200)}`;
    expect(snippetAround(text, 'needle')).toContain('Needle');
    expect(snippetAround(text, 'needle').indexOf('Needle ')).toBeGreaterThan(-1);
    const ordered = `${'early '.repeat(5)}${'pad '.repeat(200)}late`;
    // `-early` is excluded and `or` is an operator, so the snippet centres on `late`.
    expect(snippetAround(ordered, '-early or late')).toMatch(/late$/);
  });

  it('starts at the beginning when no word is found (a title match), and never splits an emoji', () => {
    const text = '😀'.repeat(300);
    const s = snippetAround(text, 'absent');
    expect(s.startsWith('😀')).toBe(true);
    expect(Array.from(s).length).toBeLessThanOrEqual(200);
    expect(s.endsWith('…')).toBe(true);
    expect(s.slice(0, -1)).toBe('😀'.repeat(198));
  });
});

describe('highlightsIn', () => {
  const marked = (text: string, query: string) => highlightsIn(text, query).map(([a, b]) => text.slice(a, b));

  it('marks every whole-word occurrence of the wanted words, in any case, in text order', () => {
    expect(marked('Egg, eggs, EGG and egg-free', 'egg')).toEqual(['Egg', 'EGG', 'egg']);
    expect(highlightsIn('red apple', '"apple red"')).toEqual([
      [0, 3],
      [4, 9],
    ]);
  });

  it('skips `or`, excluded words and operators, and counts UTF-16 offsets past emoji and accents', () => {
    const text = '😀 déjà or pear, not banana';
    expect(marked(text, 'déjà or -banana & pear:*')).toEqual(['déjà', 'pear']);
    expect(highlightsIn(text, 'déjà')).toEqual([[3, 7]]);
  });

  it('returns nothing when no word is there, and never overlapping spans for a repeated word', () => {
    expect(highlightsIn('nothing here', 'absent')).toEqual([]);
    expect(highlightsIn('aa aa', 'aa AA aa')).toEqual([
      [0, 2],
      [3, 5],
    ]);
  });
});
