import { Inject, Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user.js';
import { AppConfig } from '../config/app-config.js';
import { planContext, type ContextPlan, type Turn } from './context-budget.js';
import { SummariesService } from './summaries.service.js';
import { TOKEN_COUNTER, TurnTokenCache, type CountTokens } from './token-counter.js';

/**
 * What of a session's memory reaches the model: the window fitted to MAX_CONTEXT_TOKENS, with the
 * stored summary of what fell out of it (one read on its own connection when summaries are on).
 */
@Injectable()
export class ContextPlanner {
  private readonly turnTokens: TurnTokenCache;

  constructor(
    private readonly config: AppConfig,
    private readonly summaries: SummariesService,
    @Inject(TOKEN_COUNTER) private readonly countTokens: CountTokens,
  ) {
    this.turnTokens = new TurnTokenCache(countTokens);
  }

  /** `window` ends with the question; `systemPrompt` is the one the model is asked with. */
  async plan(user: AuthUser, sessionId: string, window: Turn[], systemPrompt: string): Promise<ContextPlan> {
    return planContext({
      systemPrompt,
      window,
      maxTokens: this.config.context.maxTokens,
      count: this.countTokens,
      countTurn: (turn) => this.turnTokens.turn(turn),
      // Fewer turns than the cap came back: the window starts at the first message.
      reachesStart: window.length - 1 < this.config.context.maxMessages,
      summaries: await this.summaries.forWindow(user, sessionId, window),
    });
  }
}
