import { LIMITS } from '../sessions/dto/limits.js';

const WORD = /[\p{L}\p{N}]+/gu;

/**
 * The words of a web-search query that a match must contain: not the `or` operator and not
 * a `-word` the query excludes.
 */
function wantedWords(query: string): string[] {
  const words: string[] = [];
  for (const m of query.matchAll(WORD)) {
    const negated = m.index > 0 && query[m.index - 1] === '-';
    if (!negated && m[0].toLowerCase() !== 'or') words.push(m[0]);
  }
  return words;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A whole word, in any case, as the 'simple' text search configuration matches it. */
function wholeWord(word: string, flags: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(word)}(?![\\p{L}\\p{N}])`, `iu${flags}`);
}

/**
 * Where the query's wanted words stand in `text`, as sorted, non-overlapping [start, end) pairs
 * of UTF-16 offsets (what JavaScript's String.slice takes), so a client marks them up itself
 * and no HTML ever travels.
 */
export function highlightsIn(text: string, query: string): [number, number][] {
  const spans: [number, number][] = [];
  for (const word of new Set(wantedWords(query).map((w) => w.toLowerCase()))) {
    for (const m of text.matchAll(wholeWord(word, 'g'))) spans.push([m.index, m.index + m[0].length]);
  }
  spans.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const merged: [number, number][] = [];
  for (const span of spans) {
    const last = merged.at(-1);
    if (last && span[0] < last[1]) last[1] = Math.max(last[1], span[1]);
    else merged.push(span);
  }
  return merged;
}

/**
 * Plain text around the first query word in `text`, at most LIMITS.snippetLength characters
 * with an ellipsis on a cut side. Computed here rather than with ts_headline, which marks
 * matches up with HTML-ish tags that every client would then have to strip.
 */
export function snippetAround(text: string, query: string, max: number = LIMITS.snippetLength): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  let at = -1;
  for (const word of wantedWords(query)) {
    const found = wholeWord(word, '').exec(flat);
    if (found && (at < 0 || found.index < at)) at = found.index;
  }
  if (flat.length <= max) return flat;
  // Characters, not UTF-16 units, so a cut never splits a surrogate pair.
  const chars = Array.from(flat);
  const atChar = at < 0 ? 0 : Array.from(flat.slice(0, at)).length;
  const room = max - 2;
  let start = Math.max(0, atChar - Math.floor(room / 3));
  start = Math.min(start, Math.max(0, chars.length - room));
  const end = Math.min(chars.length, start + room);
  return `${start > 0 ? '…' : ''}${chars.slice(start, end).join('')}${end < chars.length ? '…' : ''}`;
}
