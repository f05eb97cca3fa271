import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';

export interface LimiterOptions {
  /** Names the counter, so limiters sharing one store do not mix their keys. */
  keyPrefix: string;
  points: number;
  /** Window length in seconds. */
  duration: number;
}

/**
 * Where every limiter keeps its counters, decided in this one place. The default is this
 * process's memory, right for a single instance; replicas need a shared store (Redis),
 * which is provided in RateLimitModule instead of this class.
 */
export abstract class RateLimiterFactory {
  abstract create(options: LimiterOptions): RateLimiterAbstract;
}

export class MemoryRateLimiterFactory extends RateLimiterFactory {
  create(options: LimiterOptions): RateLimiterAbstract {
    return new RateLimiterMemory(options);
  }
}
