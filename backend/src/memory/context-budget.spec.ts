import {
  MESSAGE_TOKENS,
  REPLY_TOKENS,
  planContext,
  planFold,
  summaryMessage,
  type StoredSummary,
  type Turn,
} from './context-budget.js';
import { loadTokenCounter, TurnTokenCache } from './token-counter.js';

/** One token per word: the arithmetic below stays readable. The real tokenizer has its own test. */
const words = (text: string) => (text.trim() ? text.trim().split(/\s+/).length : 0);
/** What a turn of `n` words costs in the prompt. */
const turnCost = (n: number) => n + MESSAGE_TOKENS;

/** Turns m1..mN alternating user/assistant, each `size` words long. */
function turns(n: number, size = 5): Turn[] {
  return Array.from({ length: n }, (_, i) => ({
    id: `m${i + 1}`,
    role: i % 2 === 0 ? ('user' as const) : ('assistant' as const),
    content: Array.from({ length: size }, () => `w${i + 1}`).join(' '),
  }));
}

/** A summary of `tokens` words; as a message (with its heading) it costs SUMMARY_COST(tokens). */
const summary = (through: string, tokens = 6): StoredSummary => ({
  through,
  content: Array.from({ length: tokens }, () => 's').join(' '),
  tokens,
});

const SUMMARY_COST = (n: number) => words(summaryMessage(summary('x', n).content).content) + MESSAGE_TOKENS;

describe('planContext', () => {
  const base = (prompt: string) => turnCost(words(prompt)) + REPLY_TOKENS;

  it('sends the system prompt and the whole window when no token cap is set', () => {
    const window = turns(5);
    const plan = planContext({ systemPrompt: 'Be brief.', window, maxTokens: 0, count: words, reachesStart: true });
    expect(plan.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      ...window.map(({ role, content }) => ({ role, content })),
    ]);
    expect(plan.turns).toBe(5);
    expect(plan.tokens).toBe(base('Be brief.') + 5 * turnCost(5));
    expect(plan.summary).toBeUndefined();
  });

  it('leaves out an empty system prompt', () => {
    const plan = planContext({
      systemPrompt: '  ',
      window: [{ role: 'user', content: 'hi' }],
      maxTokens: 0,
      count: words,
      reachesStart: true,
    });
    expect(plan.messages).toEqual([{ role: 'user', content: 'hi' }]);
    expect(plan.tokens).toBe(turnCost(1) + REPLY_TOKENS);
  });

  it('drops the oldest turns until the prompt fits the budget, keeping an unbroken run up to the question', () => {
    const window = turns(7); // each turn costs 9
    const maxTokens = base('sys') + 3 * turnCost(5) + 2; // room for three turns, not four
    const plan = planContext({ systemPrompt: 'sys', window, maxTokens, count: words, reachesStart: true });
    expect(plan.turns).toBe(3);
    expect(plan.messages.map((m) => m.content)).toEqual(['sys', ...window.slice(4).map((t) => t.content)]);
    expect(plan.tokens).toBe(base('sys') + 3 * turnCost(5));
    expect(plan.tokens).toBeLessThanOrEqual(maxTokens);
  });

  it('stops at the first turn that does not fit, even if an older, shorter one would', () => {
    const window: Turn[] = [
      { id: 'a', role: 'user', content: 'short' },
      { id: 'b', role: 'assistant', content: 'a very long answer that takes many many words' },
      { id: 'c', role: 'user', content: 'question' },
    ];
    const maxTokens = base('') + turnCost(1) + turnCost(1) + 1;
    const plan = planContext({ systemPrompt: '', window, maxTokens, count: words, reachesStart: true });
    expect(plan.messages).toEqual([{ role: 'user', content: 'question' }]);
  });

  it('always sends the system prompt and the question, even when they alone are over the budget', () => {
    const window = turns(3, 50);
    const plan = planContext({ systemPrompt: 'sys', window, maxTokens: 10, count: words, reachesStart: true });
    expect(plan.turns).toBe(1);
    expect(plan.messages.map((m) => m.role)).toEqual(['system', 'user']);
    expect(plan.tokens).toBe(base('sys') + turnCost(50));
  });

  it('uses a summary that ends just before the kept turns, as a system message after the prompt', () => {
    const window = turns(7);
    const plan = planContext({
      systemPrompt: 'sys',
      window,
      maxTokens: 0,
      count: words,
      reachesStart: false,
      summaries: [summary('m3')],
    });
    expect(plan.summary?.through).toBe('m3');
    expect(plan.turns).toBe(4);
    expect(plan.messages[1]).toEqual(summaryMessage(summary('m3').content));
    expect(plan.messages.slice(2).map((m) => m.content)).toEqual(window.slice(3).map((t) => t.content));
    expect(plan.tokens).toBe(base('sys') + SUMMARY_COST(6) + 4 * turnCost(5));
  });

  it('ignores a summary that would leave a gap between it and the turns that fit', () => {
    const window = turns(7);
    // Room for the summary and three turns, so five turns without it (m3..m7): a summary
    // through m1 would leave m2 out, and with m2 it does not fit.
    const maxTokens = base('sys') + SUMMARY_COST(6) + 3 * turnCost(5);
    expect(SUMMARY_COST(6)).toBeGreaterThanOrEqual(2 * turnCost(5));
    const plan = planContext({
      systemPrompt: 'sys',
      window,
      maxTokens,
      count: words,
      reachesStart: false,
      summaries: [summary('m1')],
    });
    expect(plan.summary).toBeUndefined();
    expect(plan.messages.map((m) => m.content)).toEqual(['sys', ...window.slice(2).map((t) => t.content)]);
  });

  it('of the summaries that fit, takes the one that leaves the most turns word for word', () => {
    const window = turns(9);
    const maxTokens = base('sys') + SUMMARY_COST(6) + 5 * turnCost(5);
    const plan = planContext({
      systemPrompt: 'sys',
      window,
      maxTokens,
      count: words,
      reachesStart: false,
      summaries: [summary('m2'), summary('m6'), summary('m4')],
    });
    expect(plan.summary?.through).toBe('m4');
    expect(plan.turns).toBe(5);
  });

  it('uses no summary when the window starts the conversation and fits whole', () => {
    const plan = planContext({
      systemPrompt: 'sys',
      window: turns(5),
      maxTokens: 0,
      count: words,
      reachesStart: true,
      summaries: [summary('m2')],
    });
    expect(plan.summary).toBeUndefined();
    expect(plan.turns).toBe(5);
  });

  it('never takes a summary of another path or through the question', () => {
    const window = turns(5);
    const plan = planContext({
      systemPrompt: 'sys',
      window,
      maxTokens: 0,
      count: words,
      reachesStart: false,
      summaries: [summary('elsewhere'), summary('m5')],
    });
    expect(plan.summary).toBeUndefined();
    expect(plan.turns).toBe(5);
  });
});

describe('planFold', () => {
  const fold = (path: Turn[], opts: Partial<Parameters<typeof planFold>[0]> = {}) =>
    planFold({
      systemPrompt: 'sys',
      path,
      reachesStart: true,
      history: 6,
      maxTokens: 0,
      count: words,
      summaries: [],
      ...opts,
    });

  it('folds nothing while the whole conversation fits the next window', () => {
    expect(fold(turns(6))).toBeUndefined();
  });

  it('once turns would fall out, folds all but the last history/2 turns', () => {
    const plan = fold(turns(8));
    expect(plan?.previous).toBeUndefined();
    expect(plan?.turns.map((t) => t.id)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('builds on the newest earlier summary, folding only the turns after it', () => {
    const plan = fold(turns(12), { reachesStart: false, summaries: [summary('m3'), summary('m5')] });
    expect(plan?.previous?.through).toBe('m5');
    expect(plan?.turns.map((t) => t.id)).toEqual(['m6', 'm7', 'm8', 'm9']);
  });

  it('makes no new summary while a stored one still serves the next send', () => {
    // Next window: m5..m10; a summary through m6 is in it.
    expect(fold(turns(10), { summaries: [summary('m6')] })).toBeUndefined();
  });

  it('keeps at most half the token budget word for word and leaves room for the question', () => {
    // Turns of 21 tokens each: half of 100, less the system prompt's 8, holds two.
    const plan = fold(turns(4, 17), { maxTokens: 100 });
    expect(plan?.turns.map((t) => t.id)).toEqual(['m1', 'm2']);
  });

  it('folds nothing without a window to put a summary in (MAX_CONTEXT_MESSAGES=0)', () => {
    expect(fold(turns(8), { history: 0 })).toBeUndefined();
  });
});

describe('the token counter', () => {
  it('counts with the cl100k_base encoding, special-token text included', async () => {
    const count = await loadTokenCounter();
    expect(count('')).toBe(0);
    expect(count('hello world')).toBe(2);
    // A user may type what looks like a special token: it is text, not an error.
    expect(count('a <|endoftext|> b')).toBeGreaterThan(3);
    expect(count('word '.repeat(1000).trim())).toBe(1000);
  });

  it('counts a long run without spaces in pieces: close to the exact count, never under it', async () => {
    const count = await loadTokenCounter();
    const { countTokens } = await import('gpt-tokenizer/encoding/cl100k_base');
    for (const run of [
      'é'.repeat(16_000),
      'a'.repeat(16_000),
      'xy'.repeat(8_000),
      `see https://x.example/${'q'.repeat(500)}`,
    ]) {
      const exact = countTokens(run);
      expect(count(run)).toBeGreaterThanOrEqual(exact);
      expect(count(run)).toBeLessThanOrEqual(Math.ceil(exact * 1.05) + 2);
    }
  });
});

describe('TurnTokenCache', () => {
  it('counts a stored message once, by id, and forgets the oldest past its size', () => {
    const counted: string[] = [];
    const cache = new TurnTokenCache((text) => {
      counted.push(text);
      return words(text);
    }, 2);
    expect(cache.turn({ id: 'a', content: 'one two' })).toBe(2);
    expect(cache.turn({ id: 'a', content: 'one two' })).toBe(2);
    expect(cache.turn({ content: 'no id' })).toBe(2);
    expect(cache.turn({ content: 'no id' })).toBe(2);
    cache.turn({ id: 'b', content: 'b' });
    cache.turn({ id: 'c', content: 'c' });
    cache.turn({ id: 'a', content: 'one two' });
    expect(counted).toEqual(['one two', 'no id', 'no id', 'b', 'c', 'one two']);
  });
});
