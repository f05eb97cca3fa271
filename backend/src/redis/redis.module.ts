import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { Draining } from '../common/draining.js';

/** The shared Redis client, or null when REDIS_URL is unset (one process, state in memory). */
export const REDIS = Symbol('REDIS');

/**
 * Connects to REDIS_URL, if set, once for the whole app. Keys get REDIS_KEY_PREFIX through
 * ioredis's keyPrefix; pub/sub channels are not keys, so their users add the prefix themselves.
 */
@Global()
@Module({
  providers: [
    Draining,
    {
      provide: REDIS,
      inject: [AppConfig],
      useFactory: async (config: AppConfig): Promise<Redis | null> => {
        const { url, keyPrefix } = config.redis;
        if (!url) return null;
        const redis = new Redis(url, {
          keyPrefix,
          lazyConnect: true,
          // A send waits for Redis at most this long before failing, instead of queueing forever.
          maxRetriesPerRequest: 2,
          enableAutoPipelining: true,
        });
        await redis.connect();
        new Logger('Redis').log(`shared state in Redis (key prefix ${keyPrefix})`);
        return redis;
      },
    },
  ],
  exports: [REDIS, Draining],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    await this.redis?.quit().catch(() => this.redis?.disconnect());
  }
}
