import { cleanText, isCleanText, StreamingTextCleaner } from './clean-text.js';
import { exceedsDepth } from './json-body.js';

describe('clean text', () => {
  it('accepts ordinary text and real surrogate pairs, refuses NUL and lone surrogates', () => {
    expect(['', 'plain', 'emoji 😀', '𝄞', 'tab\tnewline\n'].map(isCleanText)).toEqual([true, true, true, true, true]);
    expect(['a\u0000', '\ud800', '\udfff', 'x\udc00\ud800y', '😀'.slice(0, 1)].map(isCleanText)).toEqual([
      false,
      false,
      false,
      false,
      false,
    ]);
  });

  it('drops NUL and replaces lone surrogates with U+FFFD', () => {
    expect(cleanText('a\u0000b\ud800c\udfff😀')).toBe('ab\uFFFDc\uFFFD😀');
  });

  it('joins a surrogate pair split across two pieces, and settles a half that never gets its pair', () => {
    const cleaner = new StreamingTextCleaner();
    expect([cleaner.push('hi \ud83d'), cleaner.push('\ude00!'), cleaner.push('end \ud83d'), cleaner.flush()]).toEqual([
      'hi ',
      '😀!',
      'end ',
      '\uFFFD',
    ]);
    expect(cleaner.flush()).toBe('');
  });
});

describe('JSON depth scan', () => {
  const bytes = (s: string) => Buffer.from(s);
  const nested = (n: number) => '['.repeat(n) + ']'.repeat(n);

  it('counts arrays and objects, not brackets inside strings or after escaped quotes', () => {
    expect(exceedsDepth(bytes(nested(32)))).toBe(false);
    expect(exceedsDepth(bytes(nested(33)))).toBe(true);
    expect(exceedsDepth(bytes(`{"a":{"b":${nested(31)}}}`))).toBe(true);
    expect(exceedsDepth(bytes(JSON.stringify({ s: '[[[[{{{{'.repeat(100) })))).toBe(false);
    expect(exceedsDepth(bytes(JSON.stringify({ s: 'quote \\" [[[[' + '['.repeat(100) })))).toBe(false);
  });

  it('stops at the first level too deep, whatever follows', () => {
    expect(exceedsDepth(bytes(nested(100_000)))).toBe(true);
    expect(exceedsDepth(bytes('['.repeat(40) + 'not json at all'))).toBe(true);
  });
});

describe('JSON depth scan: strings with escapes', () => {
  const bytes = (s: string) => Buffer.from(s);
  it('ends a string only at an unescaped quote', () => {
    expect(exceedsDepth(bytes(JSON.stringify({ s: 'a\\\\' }) + '['.repeat(40)))).toBe(true);
    expect(exceedsDepth(bytes(JSON.stringify({ s: 'a\\"' + '['.repeat(40) })))).toBe(false);
    expect(exceedsDepth(bytes(JSON.stringify({ s: '\\\\\\"[[[[' + '['.repeat(40) }) + '{}'))).toBe(false);
    expect(exceedsDepth(bytes('"unterminated ' + '['.repeat(40)))).toBe(false);
  });
});
