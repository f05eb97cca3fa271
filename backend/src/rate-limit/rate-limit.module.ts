import { Module } from '@nestjs/common';
import { MemoryRateLimiterFactory, RateLimiterFactory } from './rate-limiter.factory.js';
import { RateLimitsService } from './rate-limits.service.js';

@Module({
  // The one place the counters' store is chosen; a shared store for replicas replaces this provider.
  providers: [{ provide: RateLimiterFactory, useClass: MemoryRateLimiterFactory }, RateLimitsService],
  exports: [RateLimitsService],
})
export class RateLimitModule {}
