import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, type RateLimiterAbstract } from 'rate-limiter-flexible';

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

/** REDIS_URL set: the counters live in Redis, so each budget holds exactly across every replica. */
export class RedisRateLimiterFactory extends RateLimiterFactory {
  constructor(private readonly redis: Redis) {
    super();
  }

  create(options: LimiterOptions): RateLimiterAbstract {
    return new RateLimiterRedis({ ...options, storeClient: this.redis });
  }
}
