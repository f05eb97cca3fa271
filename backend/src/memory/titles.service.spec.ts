import { cleanTitle } from './titles.service.js';

describe('cleanTitle', () => {
  it('keeps a plain title as it is', () => {
    expect(cleanTitle('Brewing green tea')).toBe('Brewing green tea');
  });

  it('takes the first non-empty line and drops a "Title:" label, quotes, emphasis and a final full stop', () => {
    expect(cleanTitle('\n  Title: "**Brewing green tea.**"\nSecond line')).toBe('Brewing green tea');
    expect(cleanTitle('# “Tea at home”')).toBe('Tea at home');
    expect(cleanTitle("'Tea time'")).toBe('Tea time');
  });

  it('keeps apostrophes inside words', () => {
    expect(cleanTitle("The user's tea")).toBe("The user's tea");
  });

  it('collapses whitespace and cuts at a word to at most 80 characters', () => {
    const title = cleanTitle(`${'steep   '.repeat(30)}`);
    expect(title?.length).toBeLessThanOrEqual(80);
    expect(title).toMatch(/^steep steep .*steep…$/);
  });

  it('gives nothing for an answer with no words', () => {
    expect(cleanTitle('  \n ""  \n')).toBeUndefined();
    expect(cleanTitle('')).toBeUndefined();
  });
});
