import { Module } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { AiModule } from '../ai/ai.module.js';
import { AppConfig } from '../config/app-config.js';
import { REDIS } from '../redis/redis.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { ToolsModule } from '../tools/tools.module.js';
import { AnswerStreamsController } from './answer-streams.controller.js';
import { AnswerStreams } from './answer-streams.service.js';
import { LiveAnswers } from './live-answers.js';
import { MemoryLiveAnswers } from './live-answers.memory.js';
import { RedisLiveAnswers } from './live-answers.redis.js';
import { LostAnswers } from './lost-answers.js';
import { LocalSessionTurns, SessionTurns } from './session-turns.js';
import { RedisSessionTurns } from './session-turns.redis.js';

/**
 * Answers in flight, across replicas: whose turn it is in a session, each answer's events for
 * resume, stop, lost answers of a dead replica, and the drain on shutdown. In memory for one
 * process, in Redis (REDIS_URL) for several.
 */
@Module({
  imports: [AiModule, SessionsModule, ToolsModule],
  controllers: [AnswerStreamsController],
  providers: [
    AnswerStreams,
    LostAnswers,
    {
      provide: LiveAnswers,
      inject: [REDIS, AppConfig],
      useFactory: (redis: Redis | null, config: AppConfig): Promise<LiveAnswers> | LiveAnswers => {
        const { leaseMs, resumeMs } = config.streams;
        return redis
          ? RedisLiveAnswers.create(redis, config.redis.keyPrefix, leaseMs, resumeMs)
          : new MemoryLiveAnswers(resumeMs);
      },
    },
    {
      provide: SessionTurns,
      inject: [REDIS, AppConfig],
      useFactory: (redis: Redis | null, config: AppConfig): SessionTurns =>
        redis ? new RedisSessionTurns(redis, config.streams.leaseMs) : new LocalSessionTurns(),
    },
  ],
  exports: [LiveAnswers, SessionTurns, LostAnswers],
})
export class StreamsModule {}
