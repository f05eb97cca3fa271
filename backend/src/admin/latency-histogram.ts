/**
 * Latency histograms as public.chat_activity_rollup writes them: `width_bucket(ln(ms), 0,
 * ln(600000), 60)`, so bin i (1..60) holds [e^((i-1)w), e^(iw)) ms with w = ln(600000)/60 (each
 * bin 25% wider than the one before); bin 61 holds 10 minutes and more. Keys are bin numbers.
 */
export type Histogram = Record<string, number>;

const MAX_MS = 600_000;
const BINS = 60;
const WIDTH = Math.log(MAX_MS) / BINS;

/** Adds `from` into `into`, bin by bin. */
export function mergeInto(into: Histogram, from: Histogram): Histogram {
  for (const [bin, n] of Object.entries(from)) into[bin] = (into[bin] ?? 0) + n;
  return into;
}

/**
 * The p-th percentile (0 < p < 1) of what the histogram counted, in ms: the value at that rank
 * within its bin, interpolated on the bin's log scale. Within a bin's width (25%) of the exact
 * value; null for an empty histogram.
 */
export function percentile(hist: Histogram, p: number): number | null {
  const bins = Object.entries(hist)
    .map(([bin, n]) => [Number(bin), n] as const)
    .filter(([, n]) => n > 0)
    .sort((a, b) => a[0] - b[0]);
  const total = bins.reduce((sum, [, n]) => sum + n, 0);
  if (total === 0) return null;
  const rank = p * total;
  let below = 0;
  for (const [bin, n] of bins) {
    if (below + n >= rank) {
      if (bin > BINS) return MAX_MS;
      const low = (bin - 1) * WIDTH;
      const within = n === 0 ? 0 : Math.min(1, Math.max(0, (rank - below) / n));
      return Math.round(Math.exp(low + within * WIDTH));
    }
    below += n;
  }
  return MAX_MS;
}
