import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { AI_PROVIDER, AiProviderError, type AiProvider, type AiUsage } from '../ai/ai-provider.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppError, type ErrorDetails } from '../common/app-error.js';
import { cleanText, StreamingTextCleaner } from '../common/clean-text.js';
import { AppConfig } from '../config/app-config.js';
import { Database, type Queryable } from '../database/database.js';
import type { MessageDto, SessionDto } from '../sessions/dto/session.dto.js';
import { MessagesRepository } from '../sessions/messages.repository.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { sessionNotFound } from '../sessions/sessions.service.js';
import { buildContext, titleFrom, type StoredTurn } from './context.builder.js';
import type { SendMessageDto } from './dto/send-message.dto.js';
import type { SendResultDto, UsageDto } from './dto/send-result.dto.js';
import { EarlyModelCall } from './early-model-call.js';
import { IdempotencyService } from './idempotency.service.js';
import { StreamHub } from './stream-hub.js';

/** What the caller learns once the user's message is safely stored, before any of the answer. */
export interface PreparedSend {
  session_id: string;
  title: string;
  created_session: boolean;
  user_message_id: string;
  assistant_message_id: string;
}

export interface SendOptions {
  idempotencyKey?: string;
  /** Aborted by a stop (from any replica) or the drain limit: the upstream call is aborted and the partial answer kept. */
  signal: AbortSignal;
  onPrepared?: (prepared: PreparedSend) => void;
  onDelta?: (text: string) => void;
}

interface Stored {
  session: Pick<SessionDto, 'id' | 'title' | 'system_prompt'>;
  userMessage: MessageDto;
  window: StoredTurn[];
  created: boolean;
}

const toUsage = (u?: AiUsage): UsageDto | null =>
  u ? { prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.totalTokens } : null;

const UPSTREAM_MESSAGES: Record<string, string> = {
  UPSTREAM_TIMEOUT: 'The AI model did not answer in time. Your message is saved; you can retry.',
  UPSTREAM_ERROR: 'The AI model failed to answer. Your message is saved; you can retry.',
  UPSTREAM_BAD_RESPONSE: 'The AI model sent an answer Pulse could not read. Your message is saved; you can retry.',
};

/**
 * Sending a message: store the user's message, ask the model with the session's memory,
 * store the answer. Every step commits on its own, so a failure never loses the question
 * and never leaves half an exchange behind. The model is asked while the question's commit
 * is in flight, but none of its answer goes out before that commit succeeded.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly sessions: SessionsRepository,
    private readonly messages: MessagesRepository,
    private readonly idempotency: IdempotencyService,
    private readonly hub: StreamHub,
    @Inject(AI_PROVIDER) private readonly ai: AiProvider,
  ) {}

  send(user: AuthUser, dto: SendMessageDto, opts: SendOptions): Promise<SendResultDto> {
    const run = () => this.sendNow(user, dto, opts);
    return dto.session_id ? this.hub.turn(dto.session_id.toLowerCase(), run) : run();
  }

  private async sendNow(user: AuthUser, dto: SendMessageDto, opts: SendOptions): Promise<SendResultDto> {
    const key = opts.idempotencyKey;
    let call: EarlyModelCall | undefined;
    let stored: Stored | SendResultDto;
    try {
      stored = await this.storeQuestion(user, dto, key, (read) => {
        // The model is asked as soon as the window is read, while the question's COMMIT is in flight.
        if (!('replayed' in read)) call = this.ask(dto, read, opts.signal);
      });
    } catch (err) {
      // The question is not stored, so no answer may be shown for it: the model call ends unread.
      await call?.cancel();
      throw err;
    }
    if ('replayed' in stored) return stored;
    // storeQuestion resolved, so its commit succeeded and the hook that asked the model ran.
    if (!call) throw new Error('the model call was not started');

    const { session, userMessage, created } = stored;
    const assistantId = randomUUID();
    opts.onPrepared?.({
      session_id: session.id,
      title: session.title,
      created_session: created,
      user_message_id: userMessage.id,
      assistant_message_id: assistantId,
    });

    const started = call.startedAt;
    let text = '';
    let ttftMs: number | undefined;
    let done: { finishReason: string; usage?: AiUsage; model?: string } | undefined;
    let interrupted = false;
    // What the model sends is stored and streamed only once Postgres can hold it (no NUL, no lone surrogate).
    const cleaner = new StreamingTextCleaner();
    try {
      for await (const event of call.events()) {
        if (event.type === 'delta') {
          const piece = cleaner.push(event.text);
          if (!piece) continue;
          ttftMs ??= performance.now() - started;
          text += piece;
          opts.onDelta?.(piece);
        } else {
          done = event;
        }
      }
    } catch (err) {
      if (!opts.signal.aborted && !(err instanceof AiProviderError && err.code === 'UPSTREAM_ABORTED')) {
        await this.idempotency.fail(user.id, key);
        // A new session's id is news to the client: without it a retry would start a second session.
        throw this.toAppError(err, { session_id: session.id, user_message_id: userMessage.id });
      }
      interrupted = true;
    }
    const tail = cleaner.flush();
    if (tail) {
      text += tail;
      opts.onDelta?.(tail);
    }

    const finishReason = interrupted ? 'interrupted' : upstreamLabel(done?.finishReason) || 'stop';
    const model = upstreamLabel(done?.model) || this.ai.model;
    const usage = toUsage(done?.usage);
    const result: SendResultDto = {
      response: text,
      session_id: session.id,
      title: session.title,
      created_session: created,
      user_message_id: userMessage.id,
      assistant_message_id: assistantId,
      finish_reason: finishReason,
      interrupted,
      usage,
      provider: this.ai.name,
      model,
      replayed: false,
    };
    if (interrupted && text === '') {
      // The client left before the model said anything: there is no answer to keep, and the
      // history shows the question alone. A retry with the same key answers it.
      await this.idempotency.fail(user.id, key);
      return result;
    }
    try {
      await this.storeAnswer(user, key, result, {
        provider: this.ai.name,
        model,
        usage,
        finish_reason: finishReason,
        latency_ms: Math.round(performance.now() - started),
        ttft_ms: ttftMs === undefined ? null : Math.round(ttftMs),
        reply_to: userMessage.id,
        ...(interrupted ? { interrupted: true } : {}),
      });
    } catch (err) {
      // Left pending, the key would answer every retry with 409 IDEMPOTENCY_KEY_IN_USE until it went stale.
      await this.idempotency.fail(user.id, key);
      throw err;
    }
    return result;
  }

  /** Phase three, one transaction: the answer and, with a key, the stored result a retry replays. */
  private storeAnswer(
    user: AuthUser,
    key: string | undefined,
    result: SendResultDto,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    return this.db.asUser(user.id, async (tx) => {
      const saved = await this.messages.append(
        tx,
        result.session_id,
        'assistant',
        result.response,
        metadata,
        result.assistant_message_id,
      );
      // The session was deleted while the model answered: nothing to attach the answer to.
      if (!saved) throw sessionNotFound();
      await this.idempotency.complete(tx, user.id, key, result);
    });
  }

  /** The model call for a stored question, with the session's memory; see EarlyModelCall. */
  private ask(dto: SendMessageDto, { session, window }: Stored, signal: AbortSignal): EarlyModelCall {
    const systemPrompt = dto.system_prompt ?? session.system_prompt ?? this.config.env.DEFAULT_SYSTEM_PROMPT;
    return new EarlyModelCall(
      this.ai,
      {
        messages: buildContext(systemPrompt, window),
        systemPrompt,
        temperature: dto.temperature ?? this.config.env.DEFAULT_TEMPERATURE,
        maxTokens: dto.max_tokens ?? this.config.env.DEFAULT_MAX_TOKENS,
        timeoutMs: this.config.chatTimeoutMs,
      },
      signal,
    );
  }

  /**
   * Phase one, one transaction: the idempotency claim, the session, the user's message, the
   * memory window. `beforeCommit` gets what was read right before COMMIT is sent.
   */
  private storeQuestion(
    user: AuthUser,
    dto: SendMessageDto,
    key: string | undefined,
    beforeCommit: (read: Stored | SendResultDto) => void,
  ): Promise<Stored | SendResultDto> {
    const work = async (tx: Queryable): Promise<Stored | SendResultDto> => {
      const claim = await this.idempotency.claim(tx, user.id, key, dto);
      if (claim.replay) return claim.replay;
      const { earlier } = claim;

      const history = this.config.env.MAX_CONTEXT_MESSAGES;
      let sessionRef = earlier?.session_id ?? dto.session_id?.toLowerCase();
      let created = false;
      if (!sessionRef) {
        const session = await this.sessions.create(tx, user.id, {
          title: titleFrom(dto.message),
          system_prompt: dto.system_prompt ?? null,
        });
        sessionRef = session.id;
        created = true;
      }

      // A retry after a failure answers the question already stored instead of storing it again.
      if (earlier?.user_message_id) {
        const session = await this.sessions.findForUser(tx, user.id, sessionRef);
        if (!session || !session.is_active) throw sessionNotFound();
        const userMessage = await this.messages.findById(tx, session.id, earlier.user_message_id);
        if (!userMessage) throw sessionNotFound();
        await this.idempotency.attach(tx, user.id, key, session.id, userMessage.id);
        const window = await this.messages.window(tx, session.id, userMessage.seq, history + 1);
        return { session, userMessage, window, created };
      }

      const appended = await this.messages.appendToActiveSession(tx, user.id, sessionRef, dto.message, history);
      if (!appended) throw sessionNotFound();
      await this.idempotency.attach(tx, user.id, key, sessionRef, appended.message.id);
      return { session: appended.session, userMessage: appended.message, window: appended.window, created };
    };
    return this.db.asUser(user.id, work, { beforeCommit });
  }

  private toAppError(err: unknown, where: ErrorDetails): unknown {
    if (!(err instanceof AiProviderError)) return err;
    this.logger.warn(
      // oxlint-disable-next-line typescript/no-base-to-string -- the cause is an Error or a string; String() gives its line.
      { code: err.code, upstreamStatus: err.upstreamStatus, cause: String(err.cause ?? '') },
      err.message,
    );
    const code = err.code === 'UPSTREAM_ABORTED' ? 'UPSTREAM_ERROR' : err.code;
    return new AppError(code, UPSTREAM_MESSAGES[code], where);
  }
}

/** A model name or finish reason as we store it: clean, and short enough for a label. */
function upstreamLabel(value: string | undefined): string {
  return value ? cleanText(value.slice(0, 200)) : '';
}
