import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { AI_PROVIDER, type AiProvider } from '../ai/ai-provider.js';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { MessagesRepository } from '../sessions/messages.repository.js';
import { SendRequestsRepository } from '../sessions/send-requests.repository.js';
import { type AnswerMeta, type BufferedEvent, isTerminal, LiveAnswers } from './live-answers.js';

const ANSWER_LOST_MESSAGE =
  'The server producing this answer stopped. Your message is saved and so is the partial answer; you can retry.';

/**
 * A replica that dies mid-answer leaves no answer pending: once its lease runs out, another
 * replica stores what was buffered as an interrupted answer and ends the buffered stream with
 * `data-error` code ANSWER_LOST, so a resuming client learns it. Runs every lease period, and
 * before a new turn in the session (so the retry's question comes after the partial answer).
 */
@Injectable()
export class LostAnswers implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LostAnswers.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly live: LiveAnswers,
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly messages: MessagesRepository,
    private readonly sendRequests: SendRequestsRepository,
    @Inject(AI_PROVIDER) private readonly ai: AiProvider,
  ) {}

  onModuleInit(): void {
    this.live.onLost = (sessionId) => this.recover(sessionId);
    this.timer = setInterval(() => {
      this.running ??= this.recover()
        .catch((err: unknown) => this.logger.warn({ err }, 'could not recover lost answers'))
        .finally(() => (this.running = undefined));
    }, this.config.streams.leaseMs);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  async recover(sessionId?: string): Promise<void> {
    for (const meta of await this.live.claimLost(sessionId)) await this.close(meta);
  }

  private async close(meta: AnswerMeta): Promise<void> {
    const events = meta.streamed ? await this.live.events(meta.assistantId) : [];
    if (events.some((e) => isTerminal(e.part))) return;
    const text = events.map((e) => (e.part.type === 'text-delta' ? String(e.part.delta) : '')).join('');
    await this.db.asUser(meta.userId, async (tx) => {
      // It may have died after storing the answer and before its last event.
      if (await this.messages.findById(tx, meta.sessionId, meta.assistantId)) return;
      await this.messages.append(
        tx,
        meta.sessionId,
        'assistant',
        text,
        {
          provider: this.ai.name,
          model: this.ai.model,
          usage: null,
          finish_reason: 'interrupted',
          reply_to: meta.userMessageId,
          interrupted: true,
          error_code: 'ANSWER_LOST',
        },
        meta.assistantId,
        // The lost answer stays under its question, and becomes the leaf if the question still is.
        { parentId: meta.userMessageId, ifLeaf: meta.userMessageId },
      );
      // A retry with the same key answers the stored question again.
      if (meta.idempotencyKey) await this.sendRequests.settle(tx, meta.userId, meta.idempotencyKey, 'failed', null);
    });
    this.logger.warn(
      { sessionId: meta.sessionId, assistantId: meta.assistantId },
      'stored a lost answer as interrupted',
    );
    if (!meta.streamed) return;
    let id = events.at(-1)?.id ?? 0;
    const next = (part: BufferedEvent['part']): BufferedEvent => ({ id: ++id, part });
    const textId = `text-${meta.assistantId}`;
    const closing = [
      ...(events.some((e) => e.part.type === 'text-start') ? [next({ type: 'text-end', id: textId })] : []),
      next({
        type: 'data-message',
        data: {
          assistant_message_id: meta.assistantId,
          finish_reason: 'interrupted',
          interrupted: true,
          usage: null,
          provider: this.ai.name,
          model: this.ai.model,
          replayed: false,
        },
      }),
      next({ type: 'data-error', data: { code: 'ANSWER_LOST', message: ANSWER_LOST_MESSAGE } }),
      next({ type: 'error', errorText: ANSWER_LOST_MESSAGE }),
    ];
    await this.live.appendClosing(meta.assistantId, closing);
  }
}
