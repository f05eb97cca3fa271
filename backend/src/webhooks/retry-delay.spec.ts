import { retryDelayMs } from './retry-delay.js';

describe('retryDelayMs (exponential backoff, full jitter)', () => {
  const backoff = { baseMs: 1000, capMs: 60_000 };

  it('doubles the ceiling with each failed attempt, up to the cap', () => {
    const ceilings = [1, 2, 3, 4, 5, 6, 7, 8, 20].map((n) => retryDelayMs(n, backoff, () => 0.999999));
    expect(ceilings).toEqual([999, 1999, 3999, 7999, 15999, 31999, 59999, 59999, 59999]);
  });

  it('draws the whole range from zero (full jitter)', () => {
    expect(retryDelayMs(5, backoff, () => 0)).toBe(0);
    expect(retryDelayMs(5, backoff, () => 0.5)).toBe(8000);
  });

  it('spreads real draws across the range and never past the ceiling', () => {
    const draws = Array.from({ length: 2000 }, () => retryDelayMs(4, backoff));
    expect(Math.max(...draws)).toBeLessThan(8000);
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(0);
    // Both halves of the range are used: no two replicas retry in step.
    expect(draws.filter((d) => d < 4000).length).toBeGreaterThan(600);
    expect(draws.filter((d) => d >= 4000).length).toBeGreaterThan(600);
  });

  it('stays finite for absurd attempt counts', () => {
    expect(retryDelayMs(10_000, backoff, () => 0.5)).toBe(30_000);
  });
});
