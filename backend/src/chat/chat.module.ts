import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AiModule } from '../ai/ai.module.js';
import { AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';
import { KnownWindows } from '../sessions/known-windows.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { AnswerStreamsController } from './answer-streams.controller.js';
import { AnswerStreams } from './answer-streams.service.js';
import { BackgroundJobs } from './background-jobs.js';
import { ChatController } from './chat.controller.js';
import { ChatService } from './chat.service.js';
import { IdempotencyService } from './idempotency.service.js';
import { LostAnswers } from './lost-answers.js';
import { SendRequestsJanitor } from './send-requests.janitor.js';
import { SendRequestsRepository } from './send-requests.repository.js';
import { StreamHub } from './stream-hub.js';
import { MemoryStreamHub } from './stream-hub.memory.js';
import { RedisStreamHub } from './stream-hub.redis.js';
import { SummariesRepository } from './summaries.repository.js';
import { SummariesService } from './summaries.service.js';
import { TitlesService } from './titles.service.js';
import { loadTokenCounter, TOKEN_COUNTER } from './token-counter.js';

@Module({
  imports: [AiModule, SessionsModule],
  controllers: [ChatController, AnswerStreamsController],
  providers: [
    ChatService,
    IdempotencyService,
    SendRequestsRepository,
    SendRequestsJanitor,
    AnswerStreams,
    LostAnswers,
    BackgroundJobs,
    SummariesRepository,
    SummariesService,
    TitlesService,
    { provide: TOKEN_COUNTER, useFactory: loadTokenCounter },
    {
      provide: StreamHub,
      inject: [REDIS, AppConfig, KnownWindows],
      useFactory: (redis: Redis | null, config: AppConfig, known: KnownWindows): Promise<StreamHub> | StreamHub => {
        const { resumeMs, leaseMs } = config.streams;
        return redis
          ? RedisStreamHub.create(redis, config.redis.keyPrefix, leaseMs, resumeMs, known)
          : new MemoryStreamHub(resumeMs);
      },
    },
  ],
})
export class ChatModule {}
