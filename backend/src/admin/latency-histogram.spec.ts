import { mergeInto, percentile, type Histogram } from './latency-histogram.js';

/** The bin Postgres' width_bucket(ln(ms), 0, ln(600000), 60) puts a value in. */
const bin = (ms: number) => Math.min(61, Math.floor(Math.log(Math.max(ms, 1)) / (Math.log(600_000) / 60)) + 1);

const histogramOf = (values: number[]): Histogram => {
  const h: Histogram = {};
  for (const v of values) {
    const key = String(bin(v));
    h[key] = key in h ? h[key] + 1 : 1;
  }
  return h;
};

const exact = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.ceil(p * values.length) - 1];

describe('latency histograms', () => {
  it('reads p50 and p95 within 25% of the exact values over a spread of latencies', () => {
    // A deterministic spread from 40 ms to ~40 s, skewed like real first-token times.
    const values = Array.from({ length: 5000 }, (_, i) => Math.round(40 * Math.exp(((i * 7919) % 5000) / 720)));
    const h = histogramOf(values);
    for (const p of [0.5, 0.95]) {
      const estimate = percentile(h, p)!;
      const truth = exact(values, p);
      expect(Math.abs(estimate - truth) / truth).toBeLessThan(0.25);
    }
  });

  it('is null when nothing was counted, and caps at 10 minutes', () => {
    expect(percentile({}, 0.5)).toBeNull();
    expect(percentile({ '61': 3 }, 0.95)).toBe(600_000);
  });

  it('merges hours into a day bin by bin', () => {
    const day = mergeInto(mergeInto({}, { '10': 2, '20': 1 }), { '20': 3, '30': 1 });
    expect(day).toEqual({ '10': 2, '20': 4, '30': 1 });
    expect(percentile(day, 0.5)).toBeGreaterThanOrEqual(Math.round(Math.exp((19 * Math.log(600_000)) / 60)));
  });
});
