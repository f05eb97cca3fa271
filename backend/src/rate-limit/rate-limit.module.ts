import { Logger, type MiddlewareConsumer, Module, type NestModule, RequestMethod } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { warnOnceAboutUntrustedProxy } from './client-address.js';
import { MemoryRateLimiterFactory, RateLimiterFactory } from './rate-limiter.factory.js';
import { RateLimitsService } from './rate-limits.service.js';

@Module({
  // The one place the counters' store is chosen; a shared store for replicas replaces this provider.
  providers: [{ provide: RateLimiterFactory, useClass: MemoryRateLimiterFactory }, RateLimitsService],
  exports: [RateLimitsService],
})
export class RateLimitModule implements NestModule {
  constructor(private readonly config: AppConfig) {}

  configure(consumer: MiddlewareConsumer): void {
    if (this.config.trustProxy !== false) return;
    const logger = new Logger('ClientAddress');
    consumer
      .apply(warnOnceAboutUntrustedProxy((message) => logger.warn(message)))
      .forRoutes({ path: '{/*splat}', method: RequestMethod.ALL });
  }
}
