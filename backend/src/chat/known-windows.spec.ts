import { KnownWindows, sameWindow, type KnownWindow } from './known-windows.js';

const windowOf = (leafId: string, ...contents: string[]): KnownWindow => ({
  userId: 'u1',
  leafId,
  systemPrompt: null,
  turns: contents.map((content, i) => ({ id: `${leafId}-${i}`, role: i % 2 ? 'assistant' : 'user', content })),
});

describe('KnownWindows', () => {
  it('gives what was remembered for a session to its owner once, and nothing once forgotten', () => {
    const known = new KnownWindows();
    const w = windowOf('a1', 'hi', 'hello');
    known.remember('s1', w);
    expect(known.take('s1', 'someone else')).toBeUndefined();
    expect(known.take('s1', 'u1')).toBe(w);
    expect(known.take('s1', 'u1')).toBeUndefined();
    expect(known.take('s2', 'u1')).toBeUndefined();
    known.remember('s1', w);
    known.forget('s1');
    expect(known.take('s1', 'u1')).toBeUndefined();
  });

  it('keeps within its character budget by dropping the sessions stored least recently', () => {
    const known = new KnownWindows(160);
    known.remember('s1', windowOf('a', 'x'.repeat(5)));
    known.remember('s2', windowOf('b', 'x'.repeat(5)));
    known.remember('s1', windowOf('a2', 'x'.repeat(5))); // a later answer in s1: s2 is now the oldest
    for (let i = 3; i <= 40; i += 1) known.remember(`s${i}`, windowOf(`c${i}`, 'x'.repeat(5)));
    expect(known.size).toBe(32);
    expect(known.take('s2', 'u1')).toBeUndefined();
    expect(known.take('s40', 'u1')).toBeDefined();
  });

  it('does not let one session of long messages take the budget', () => {
    const known = new KnownWindows(160);
    known.remember('s1', windowOf('a', 'x'.repeat(5)));
    known.remember('big', windowOf('b', 'x'.repeat(11)));
    expect(known.take('big', 'u1')).toBeUndefined();
    expect(known.take('s1', 'u1')).toBeDefined();
  });

  it('replaces a session\u2019s window without counting the old one twice', () => {
    const known = new KnownWindows(20);
    known.remember('s1', windowOf('a', 'x'));
    for (let i = 0; i < 50; i += 1) known.remember('s1', windowOf(`a${i}`, 'x'));
    known.remember('s2', windowOf('b', 'x'));
    expect(known.take('s1', 'u1')?.leafId).toBe('a49');
    expect(known.take('s2', 'u1')).toBeDefined();
  });
});

describe('sameWindow', () => {
  const base = windowOf('a', 'q', 'answer');
  it('holds for the same turns and system prompt', () => {
    expect(sameWindow(base, { systemPrompt: null, turns: base.turns.map((t) => ({ ...t })) })).toBe(true);
  });
  it.each([
    ['a turn more', { systemPrompt: null, turns: [...base.turns, { id: 'x', role: 'user' as const, content: 'q2' }] }],
    ['another turn id', { systemPrompt: null, turns: [base.turns[0], { ...base.turns[1], id: 'other' }] }],
    ['another content', { systemPrompt: null, turns: [base.turns[0], { ...base.turns[1], content: 'changed' }] }],
    ['another system prompt', { systemPrompt: 'Be brief.', turns: base.turns }],
  ])('fails for %s', (_name, other) => {
    expect(sameWindow(base, other)).toBe(false);
  });
});
