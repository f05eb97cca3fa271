import { type DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { LoggerModule } from 'nestjs-pino';
import type { DestinationStream } from 'pino';
import { AdminModule } from './admin/admin.module.js';
import { AttachmentsModule } from './attachments/attachments.module.js';
import { AuthModule } from './auth/auth.module.js';
import { JwtAuthGuard } from './auth/jwt-auth.guard.js';
import { ChatModule } from './chat/chat.module.js';
import { HttpErrorFilter } from './common/http-error.filter.js';
import { loggerParams } from './common/logging.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DatabaseModule } from './database/database.module.js';
import { DemoModule } from './demo/demo.module.js';
import { ExportModule } from './export/export.module.js';
import { FeedbackModule } from './feedback/feedback.module.js';
import { HealthModule } from './health/health.module.js';
import { MemoryModule } from './memory/memory.module.js';
import { DrainingGuard } from './rate-limit/draining.guard.js';
import { RateLimitGuard } from './rate-limit/rate-limit.guard.js';
import { RateLimitModule } from './rate-limit/rate-limit.module.js';
import { RedisModule } from './redis/redis.module.js';
import { SearchModule } from './search/search.module.js';
import { SessionsModule } from './sessions/sessions.module.js';
import { StreamsModule } from './streams/streams.module.js';
import { UsageModule } from './usage/usage.module.js';
import { WebhooksModule } from './webhooks/webhooks.module.js';

export interface AppOptions {
  /** Where request logs go (tests capture them); stdout by default. */
  logStream?: DestinationStream;
}

@Module({})
export class AppModule {
  static forRoot(config: AppConfig, options: AppOptions = {}): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        LoggerModule.forRoot(loggerParams(config, options.logStream)),
        DatabaseModule,
        RedisModule,
        AuthModule,
        RateLimitModule,
        SessionsModule,
        ChatModule,
        StreamsModule,
        MemoryModule,
        AttachmentsModule,
        FeedbackModule,
        ExportModule,
        SearchModule,
        UsageModule,
        AdminModule,
        HealthModule,
        WebhooksModule,
        ...(config.demoMode ? [DemoModule] : []),
      ],
      providers: [
        { provide: APP_FILTER, useClass: HttpErrorFilter },
        // Global guards run in this order: who is asking, whether a send may start on this
        // replica, then what the request costs. Listed here together so that order is one list.
        { provide: APP_GUARD, useClass: JwtAuthGuard },
        { provide: APP_GUARD, useClass: DrainingGuard },
        { provide: APP_GUARD, useClass: RateLimitGuard },
      ],
    };
  }
}
