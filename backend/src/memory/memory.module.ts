import { Module } from '@nestjs/common';
import { AiModule } from '../ai/ai.module.js';
import { SessionsModule } from '../sessions/sessions.module.js';
import { BackgroundJobs } from './background-jobs.js';
import { ContextPlanner } from './context-planner.js';
import { SummariesRepository } from './summaries.repository.js';
import { SummariesService } from './summaries.service.js';
import { TitlesService } from './titles.service.js';
import { loadTokenCounter, TOKEN_COUNTER } from './token-counter.js';

/** A session's memory: what of it the model sees, the running summaries, and the titles. */
@Module({
  imports: [AiModule, SessionsModule],
  providers: [
    ContextPlanner,
    SummariesRepository,
    SummariesService,
    TitlesService,
    BackgroundJobs,
    { provide: TOKEN_COUNTER, useFactory: loadTokenCounter },
  ],
  exports: [ContextPlanner, SummariesService, TitlesService, BackgroundJobs, TOKEN_COUNTER],
})
export class MemoryModule {}
