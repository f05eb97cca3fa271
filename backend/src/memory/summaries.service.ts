import { Inject, Injectable, Logger } from '@nestjs/common';
import { AI_PROVIDER, type AiProvider } from '../ai/ai-provider.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { MessagesRepository } from '../sessions/messages.repository.js';
import { BackgroundJobs } from './background-jobs.js';
import { planFold, summaryTokenLimit, type StoredSummary, type Turn } from './context-budget.js';
import { modelText } from './model-text.js';
import { SummariesRepository } from './summaries.repository.js';
import { TOKEN_COUNTER, type CountTokens } from './token-counter.js';

const INSTRUCTIONS = (words: number) =>
  [
    'You keep a running summary of a conversation between a user and an assistant.',
    'Rewrite the current summary so that it also covers the new messages.',
    "Keep what later answers may need: facts, names, numbers, decisions, the user's preferences and open questions.",
    `Drop greetings and small talk. Write plain sentences in the conversation's language, at most ${words} words.`,
    'Answer with the summary only.',
  ].join(' ');

/** An answer whose fold is to run: the fold reads the branch that answer ends. */
interface FoldRequest {
  user: AuthUser;
  answerId: string;
  systemPrompt: string;
}

const SPEAKER = { user: 'User', assistant: 'Assistant', system: 'System' } as const;

/** The summarising request's user message: the current summary, then the turns to fold in. */
function foldPrompt(previous: string | undefined, turns: Turn[]): string {
  const lines = turns.map((t) => `${SPEAKER[t.role]}: ${t.content}`).join('\n\n');
  return `Current summary:\n${previous ?? '(none yet)'}\n\nNew messages:\n${lines}`;
}

/**
 * CONTEXT_SUMMARY: turns that fall out of the model's window are folded into a stored running
 * summary. The fold runs after the answer is stored, in the background, so it never delays an
 * answer; the next send uses the newest summary that covers exactly what it leaves out.
 */
@Injectable()
export class SummariesService {
  private readonly logger = new Logger(SummariesService.name);
  /**
   * Sessions with a fold under way here, each with the newest answer stored meanwhile (if any).
   * Two folds of one session at once would only repeat each other; but the one under way may
   * have read the session before that answer, so the newest one is folded once it ends.
   */
  private readonly folding = new Map<string, FoldRequest | undefined>();

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly summaries: SummariesRepository,
    private readonly messages: MessagesRepository,
    private readonly jobs: BackgroundJobs,
    @Inject(AI_PROVIDER) private readonly ai: AiProvider,
    @Inject(TOKEN_COUNTER) private readonly count: CountTokens,
  ) {}

  get enabled(): boolean {
    return this.config.summaries.enabled;
  }

  /**
   * The stored summaries that end inside this window (none while summaries are off). A failed
   * lookup gives none: the question is stored and the answer can go on without a summary.
   */
  async forWindow(user: AuthUser, sessionId: string, window: Turn[]): Promise<StoredSummary[]> {
    if (!this.enabled) return [];
    // The question is never a summary's end; the turns before it may be.
    const ids = window.slice(0, -1).flatMap((t) => (t.id ? [t.id] : []));
    if (ids.length === 0) return [];
    try {
      return await this.db.asUser(user.id, (tx) => this.summaries.throughAny(tx, sessionId, ids));
    } catch (err) {
      // oxlint-disable-next-line typescript/no-base-to-string -- an Error or a string; String() gives its line.
      this.logger.warn({ sessionId, cause: String(err) }, 'Could not read the context summaries');
      return [];
    }
  }

  /** After an answer is stored: fold what the next send would lose into a new summary, in the background. */
  afterAnswer(user: AuthUser, sessionId: string, answerId: string, systemPrompt: string): void {
    if (!this.enabled) return;
    const request = { user, answerId, systemPrompt };
    if (this.folding.has(sessionId)) this.folding.set(sessionId, request);
    else this.startFold(sessionId, request);
  }

  private startFold(sessionId: string, request: FoldRequest): void {
    this.folding.set(sessionId, undefined);
    this.jobs.run('summary', async (signal) => {
      try {
        await this.fold(sessionId, request, signal);
      } finally {
        const next = this.folding.get(sessionId);
        this.folding.delete(sessionId);
        // Started before this job ends, so BackgroundJobs.idle() waits for it too; after a failed
        // fold as well (the next one may succeed). Once shutting down, BackgroundJobs starts none.
        if (next) this.startFold(sessionId, next);
      }
    });
  }

  private async fold(
    sessionId: string,
    { user, answerId, systemPrompt }: FoldRequest,
    signal: AbortSignal,
  ): Promise<void> {
    const { context } = this.config;
    const history = context.maxMessages;
    // The next window and as much again before it, so the summary to build on is in reach.
    const reach = 2 * history + 2;
    const { path, stored } = await this.db.asUser(user.id, async (tx) => {
      // The branch the answer ends (nothing when it is gone).
      const path = await this.messages.window(tx, sessionId, answerId, reach);
      return {
        path,
        stored: await this.summaries.throughAny(
          tx,
          sessionId,
          path.map((m) => m.id),
        ),
      };
    });
    const plan = planFold({
      systemPrompt,
      path,
      reachesStart: path.length < reach,
      history,
      maxTokens: context.maxTokens,
      count: this.count,
      summaries: stored,
    });
    if (!plan) return;

    const limit = summaryTokenLimit(context.maxTokens, this.config.chat.defaultMaxTokens);
    const content = await modelText(this.ai, {
      messages: [
        // About three words to four tokens, and room to spare.
        { role: 'system', content: INSTRUCTIONS(Math.floor(limit * 0.6)) },
        { role: 'user', content: foldPrompt(plan.previous?.content, plan.turns) },
      ],
      model: this.config.summaries.model,
      temperature: 0.2,
      maxTokens: limit,
      signal,
      timeoutMs: this.config.chat.timeoutMs,
    });
    if (!content) return;
    const through = plan.turns[plan.turns.length - 1].id;
    if (!through) return;
    const summary = { through, content, tokens: this.count(content) };
    const saved = await this.db.asUser(user.id, (tx) => this.summaries.insert(tx, sessionId, summary));
    if (saved) this.logger.debug({ sessionId, through, tokens: summary.tokens }, 'Stored a context summary');
  }
}
