import { isCleanText } from '../../common/clean-text.js';
import fc from 'fast-check';
import { loadTokenCounter, type CountTokens } from '../../memory/token-counter.js';
import type { ExtractedText } from './attachment-content.js';
import { chunkText } from './chunk-text.js';

/** One token per word: sizes below stay readable. The real tokenizer has its own tests here too. */
const words: CountTokens = (text) => (text.trim() ? text.trim().split(/\s+/).length : 0);
const passage = (text: string, page: number | null = null): ExtractedText => ({ passages: [{ page, text }] });
/** `n` words W1..Wn ending in a full stop: one sentence (Unicode wants the next one capitalised). */
const sentence = (n: number, tag = 'W') => `${Array.from({ length: n }, (_, i) => `${tag}${i + 1}`).join(' ')}.`;

let real: CountTokens;
beforeAll(async () => {
  real = await loadTokenCounter();
});

describe('chunkText', () => {
  it('keeps a short text as one chunk, counted', () => {
    expect(chunkText(passage('  Hello there, world.  \n', 4), words)).toEqual([
      { seq: 0, page: 4, tokens: 3, content: 'Hello there, world.' },
    ]);
  });

  it('packs whole paragraphs while they fit, keeping the blank line between them', () => {
    const [a, b, c] = [sentence(150, 'A'), sentence(150, 'B'), sentence(150, 'C')];
    const chunks = chunkText(passage(`${a}\n\n${b}\n\n${c}`), words);
    expect(chunks.map((chunk) => chunk.content)).toEqual([`${a}\n\n${b}`, c]);
    expect(chunks.map((chunk) => chunk.tokens)).toEqual([300, 150]);
    expect(chunks.map((chunk) => chunk.seq)).toEqual([0, 1]);
  });

  it('cuts a paragraph too long for one chunk at its sentences', () => {
    const sentences = [sentence(30, 'A'), sentence(30, 'B'), sentence(30, 'C'), sentence(30, 'D')];
    const chunks = chunkText(passage(sentences.join(' ')), words, 70);
    expect(chunks.map((chunk) => chunk.content)).toEqual([
      `${sentences[0]} ${sentences[1]}`,
      `${sentences[2]} ${sentences[3]}`,
    ]);
  });

  it('cuts a sentence too long for one chunk at its words', () => {
    const chunks = chunkText(passage(sentence(25)), words, 10);
    expect(chunks.map((chunk) => chunk.tokens)).toEqual([10, 10, 5]);
    expect(chunks[1].content).toBe('W11 W12 W13 W14 W15 W16 W17 W18 W19 W20');
  });

  it('keeps the rows of a CSV whole: a line break ends a piece', () => {
    const rows = Array.from({ length: 60 }, (_, i) => `PX-${i},Lamp number ${i},${i}.99`);
    const chunks = chunkText(passage(`${rows.join('\n')}\n`), real, 50);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.tokens).toBeLessThanOrEqual(50);
      for (const line of chunk.content.split('\n')) expect(rows).toContain(line);
    }
    expect(chunks.map((chunk) => chunk.content).join('\n')).toBe(rows.join('\n'));
  });

  it('cuts a run without spaces by characters, never inside a surrogate pair', () => {
    const run = 'QUJD'.repeat(2000) + '😀'.repeat(300);
    const chunks = chunkText(passage(run), real, 100);
    expect(chunks.length).toBeGreaterThan(5);
    for (const chunk of chunks) {
      expect(chunk.tokens).toBeLessThanOrEqual(100);
      expect(chunk.tokens).toBe(real(chunk.content));
      expect(isCleanText(chunk.content)).toBe(true);
    }
    expect(chunks.map((chunk) => chunk.content).join('')).toBe(run);
  });

  it('never joins two pages, and numbers chunks across them from 0', () => {
    const chunks = chunkText(
      {
        pageCount: 3,
        passages: [
          { page: 1, text: 'Short page one.' },
          { page: 3, text: `${sentence(8, 'X')} ${sentence(8, 'Y')}` },
        ],
      },
      words,
      10,
    );
    expect(chunks.map(({ seq, page, tokens }) => ({ seq, page, tokens }))).toEqual([
      { seq: 0, page: 1, tokens: 3 },
      { seq: 1, page: 3, tokens: 8 },
      { seq: 2, page: 3, tokens: 8 },
    ]);
  });

  it('makes no empty chunks', () => {
    expect(chunkText(passage(' \n\n \n'), words)).toEqual([]);
    expect(chunkText({ passages: [] }, words)).toEqual([]);
    expect(chunkText(passage('\n\n\n\nabc\n\n\n\n\n\ndef\n\n'), words, 1).map((chunk) => chunk.content)).toEqual([
      'abc',
      'def',
    ]);
  });

  it('counts each piece about once, not again each time a chunk grows', () => {
    let calls = 0;
    const counting: CountTokens = (text) => {
      calls++;
      return words(text);
    };
    const paragraphs = Array.from({ length: 2000 }, (_, i) => `Paragraph ${i} is short.`);
    const chunks = chunkText(passage(paragraphs.join('\n\n')), counting);
    // Each paragraph once, each chunk once more.
    expect(calls).toBe(paragraphs.length + chunks.length);
  });

  it('holds for any text: chunks fit, are counted, are trimmed and lose no word', () => {
    const text = fc.array(
      fc.oneof(
        fc.constantFrom('\n', '\n\n', ' ', '. ', '! ', '\r\n', '\t', '😀', 'é', '日本'),
        fc.stringMatching(/^[a-z]{1,12}$/),
        fc.string({ unit: 'grapheme', maxLength: 30 }),
      ),
      { maxLength: 300 },
    );
    fc.assert(
      fc.property(text, fc.integer({ min: 5, max: 60 }), (parts, max) => {
        const input = parts.join('');
        const chunks = chunkText(passage(input, 2), real, max);
        chunks.forEach((chunk, i) => {
          expect(chunk.seq).toBe(i);
          expect(chunk.page).toBe(2);
          expect(chunk.content).not.toBe('');
          expect(chunk.content.trim()).toBe(chunk.content);
          expect(chunk.tokens).toBe(real(chunk.content));
          expect(chunk.tokens).toBeLessThanOrEqual(max);
        });
        const squeeze = (s: string) => s.replace(/\s+/g, '');
        expect(squeeze(chunks.map((chunk) => chunk.content).join(''))).toBe(squeeze(input));
      }),
      { numRuns: 300 },
    );
  });
});
