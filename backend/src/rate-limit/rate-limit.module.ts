import { Logger, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';
import { warnOnceAboutUntrustedProxy } from './client-address.js';
import { MemoryRateLimiterFactory, RateLimiterFactory, RedisRateLimiterFactory } from './rate-limiter.factory.js';
import { RateLimitsService } from './rate-limits.service.js';

@Module({
  // The one place the counters' store is chosen: Redis when replicas share one, else this process's memory.
  providers: [
    {
      provide: RateLimiterFactory,
      inject: [REDIS],
      useFactory: (redis: Redis | null): RateLimiterFactory =>
        redis ? new RedisRateLimiterFactory(redis) : new MemoryRateLimiterFactory(),
    },
    RateLimitsService,
  ],
  exports: [RateLimitsService],
})
export class RateLimitModule implements NestModule {
  constructor(private readonly config: AppConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    if (this.config.http.trustProxy !== false) return;
    const logger = new Logger('ClientAddress');
    consumer
      .apply(warnOnceAboutUntrustedProxy((message) => logger.warn(message)))
      .forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }
}
