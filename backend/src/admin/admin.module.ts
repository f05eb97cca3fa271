import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module.js';
import { RateLimitModule } from '../rate-limit/rate-limit.module.js';
import { ActivityHoursJanitor } from './activity-hours.janitor.js';
import { AdminAuthController } from './admin-auth.controller.js';
import { AdminGuard } from './admin.guard.js';
import { AdminTokenService } from './admin-token.service.js';
import { AnalyticsController } from './analytics.controller.js';
import { AnalyticsRepository } from './analytics.repository.js';
import { AnalyticsService } from './analytics.service.js';

/**
 * The site owner's side: admin sign-in and the analytics. Other features' admin routes (webhooks)
 * import this module for AdminGuard, which @AdminOnly() puts on them.
 */
@Module({
  imports: [AuthModule, RateLimitModule],
  controllers: [AdminAuthController, AnalyticsController],
  providers: [AdminTokenService, AdminGuard, AnalyticsRepository, AnalyticsService, ActivityHoursJanitor],
  exports: [AdminTokenService, AdminGuard, AuthModule, RateLimitModule],
})
export class AdminModule {}
