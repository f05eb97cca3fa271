export interface Backoff {
  baseMs: number;
  capMs: number;
}

/**
 * How long to wait before attempt `attempt + 1` after `attempt` attempts failed: exponential
 * backoff with full jitter (a random time up to min(cap, base * 2^(attempt - 1))), so a receiver
 * coming back up is not hit by every queued delivery at the same instant.
 */
export function retryDelayMs(attempt: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** Math.max(0, Math.min(attempt - 1, 52)));
  return Math.floor(random() * ceiling);
}
