import type { CountTokens } from '../../memory/token-counter.js';
import type { ExtractedText, TextChunk } from './attachment-content.js';

type Split = (text: string) => string[];

const sentences = new Intl.Segmenter(undefined, { granularity: 'sentence' });

/**
 * Ways to cut a text, coarsest first. Each returns pieces that, put back together, are the text
 * (separators stay on the piece before them), so a chunk keeps its line breaks and spacing.
 */
const SPLITS: Split[] = [
  // Paragraphs: at a blank line.
  (text) => text.split(/(?<=\n[^\S\n]*\n)(?=[^\n])/),
  // Sentences, as Unicode cuts them: a line break ends one too, so a CSV's rows stay whole.
  (text) => Array.from(sentences.segment(text), (part) => part.segment),
  // Words.
  (text) => text.split(/(?<=\s)(?=\S)/),
];

/**
 * Cuts each passage into chunks of at most `maxChunkTokens` tokens: whole paragraphs where they
 * fit, else whole sentences, else whole words, and a run without spaces (a URL, base64) by
 * characters. A chunk never spans two passages, so never two pages of a PDF.
 */
export function chunkText(extracted: ExtractedText, count: CountTokens, maxChunkTokens = 400): TextChunk[] {
  const chunks: TextChunk[] = [];
  for (const passage of extracted.passages) {
    for (const piece of cut(passage.text, 0, count, maxChunkTokens)) {
      chunks.push({ seq: chunks.length, page: passage.page, tokens: piece.tokens, content: piece.content });
    }
  }
  return chunks;
}

interface Piece {
  content: string;
  tokens: number;
}

/**
 * Packs the pieces of `text` at `level` greedily. A piece's tokens are counted alone, and the
 * sum of those is what a chunk is filled to: counting a chunk again as it grows would cost the
 * square of its length. A chunk's own count is taken once at the end; in the rare case that
 * joining pieces made more tokens than their sum, the chunk is cut one level finer.
 */
function cut(text: string, level: number, count: CountTokens, max: number): Piece[] {
  if (level === SPLITS.length) return cutRun(text, count, max);
  const out: Piece[] = [];
  let current = '';
  let currentTokens = 0;
  const flush = () => {
    const content = current.trim();
    current = '';
    currentTokens = 0;
    if (content === '') return;
    const tokens = count(content);
    if (tokens <= max) out.push({ content, tokens });
    else out.push(...cut(content, level + 1, count, max));
  };
  for (const part of SPLITS[level](text)) {
    const tokens = count(part);
    if (tokens > max) {
      flush();
      out.push(...cut(part, level + 1, count, max));
    } else {
      if (currentTokens + tokens > max) flush();
      current += part;
      currentTokens += tokens;
    }
  }
  flush();
  return out;
}

/** A run without white space, cut by characters (never inside a surrogate pair). */
function cutRun(text: string, count: CountTokens, max: number): Piece[] {
  const chars = Array.from(text.trim());
  const out: Piece[] = [];
  let start = 0;
  while (start < chars.length) {
    // English runs to about four characters a token: start there and shrink until it fits.
    let size = Math.min(chars.length - start, max * 4);
    let content = chars.slice(start, start + size).join('');
    let tokens = count(content);
    while (tokens > max && size > 1) {
      size = Math.max(1, Math.floor((size * max) / tokens) - 1);
      content = chars.slice(start, start + size).join('');
      tokens = count(content);
    }
    start += size;
    // Only the fallback for a chunk that grew past its sum reaches here with spaces in it.
    const trimmed = content.trim();
    if (trimmed !== '') out.push({ content: trimmed, tokens: trimmed === content ? tokens : count(trimmed) });
  }
  return out;
}
