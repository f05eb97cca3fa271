import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import { AI_PROVIDER, AiProviderError, type AiProvider, type AiRequest, type AiUsage } from '../ai/ai-provider.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppError, type ErrorDetails } from '../common/app-error.js';
import { cleanText, StreamingTextCleaner } from '../common/clean-text.js';
import { AppConfig } from '../config/app-config.js';
import { Database, type Queryable } from '../database/database.js';
import type { SessionDto } from '../sessions/dto/session.dto.js';
import { KnownWindows, sameWindow } from '../sessions/known-windows.js';
import { MessagesRepository, type StoredMessage } from '../sessions/messages.repository.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { messageNotFound, sessionNotFound } from '../sessions/sessions.service.js';
import { planContext, type ContextPlan } from './context-budget.js';
import { titleFrom, type StoredTurn } from './context.builder.js';
import type { SendMessageDto } from './dto/send-message.dto.js';
import type { SendResultDto, UsageDto } from './dto/send-result.dto.js';
import { EarlyModelCall } from './early-model-call.js';
import { IdempotencyService } from './idempotency.service.js';
import { StreamHub, TAKEN_OVER } from './stream-hub.js';
import { SummariesService } from './summaries.service.js';
import { TitlesService } from './titles.service.js';
import { TOKEN_COUNTER, TurnTokenCache, type CountTokens } from './token-counter.js';

/** What the caller learns once the user's message is safely stored, before any of the answer. */
export interface PreparedSend {
  session_id: string;
  title: string;
  created_session: boolean;
  user_message_id: string;
  assistant_message_id: string;
}

/** A send that branches: a new version of a question (edit), or a new answer to one (regenerate). */
export interface BranchTarget {
  kind: 'edit' | 'regenerate';
  /** The user message edited, or the assistant message regenerated. */
  messageId: string;
}

export interface SendOptions {
  idempotencyKey?: string;
  target?: BranchTarget;
  /** Aborted by a stop (from any replica) or the drain limit: the upstream call is aborted and the partial answer kept. */
  signal: AbortSignal;
  onPrepared?: (prepared: PreparedSend) => void;
  onDelta?: (text: string) => void;
}

/** What the model is asked, and what of the session's memory went into it (stored with the answer). */
interface ModelCallPlan {
  systemPrompt: string;
  context: ContextPlan;
  request: Omit<AiRequest, 'signal'>;
}

/** A model call under way, what it was asked from, and its plan (the stored memory goes with the answer). */
interface ModelCall {
  read: Stored;
  prepared: Promise<ModelCallPlan>;
  call: EarlyModelCall;
}

interface Stored {
  session: Pick<SessionDto, 'id' | 'title' | 'system_prompt'>;
  userMessage: { id: string };
  window: StoredTurn[];
  created: boolean;
  /** The leaf the answer replaces as the tip of the active branch (unless the user chose another meanwhile). */
  leaf: string | null;
}

const invalidRole = (message: string) => new AppError('INVALID_MESSAGE_ROLE', message, { field: 'message_id' });

const toUsage = (u?: AiUsage): UsageDto | null =>
  u ? { prompt_tokens: u.promptTokens, completion_tokens: u.completionTokens, total_tokens: u.totalTokens } : null;

const UPSTREAM_MESSAGES: Record<string, string> = {
  UPSTREAM_TIMEOUT: 'The AI model did not answer in time. Your message is saved; you can retry.',
  UPSTREAM_ERROR: 'The AI model failed to answer. Your message is saved; you can retry.',
  UPSTREAM_BAD_RESPONSE: 'The AI model sent an answer Pulse could not read. Your message is saved; you can retry.',
};

const answerLost = (where: ErrorDetails) =>
  new AppError(
    'ANSWER_LOST',
    'The server producing this answer stopped. Your message is saved and so is the partial answer; you can retry.',
    where,
  );

/** The answer's row already exists: another replica stored it as lost (primary key taken). */
const isStoredElsewhere = (err: unknown) =>
  (err as { code?: string; constraint?: string }).code === '23505' &&
  (err as { constraint?: string }).constraint === 'chat_messages_pkey';

/**
 * Sending a message: store the user's message, ask the model with the session's memory,
 * store the answer. Every step commits on its own, so a failure never loses the question
 * and never leaves half an exchange behind. The model is asked while the question's commit
 * is in flight, but none of its answer goes out before that commit succeeded.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);
  private readonly turnTokens: TurnTokenCache;

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly sessions: SessionsRepository,
    private readonly messages: MessagesRepository,
    private readonly idempotency: IdempotencyService,
    private readonly hub: StreamHub,
    @Inject(AI_PROVIDER) private readonly ai: AiProvider,
    private readonly summaries: SummariesService,
    private readonly titles: TitlesService,
    @Inject(TOKEN_COUNTER) private readonly countTokens: CountTokens,
    private readonly known: KnownWindows,
  ) {
    this.turnTokens = new TurnTokenCache(countTokens);
  }

  send(user: AuthUser, dto: SendMessageDto, opts: SendOptions): Promise<SendResultDto> {
    const sessionId = dto.session_id?.toLowerCase();
    if (!sessionId) return this.sendNow(user, dto, opts);
    let guessed: ModelCall | undefined;
    return this.hub
      .turn(
        sessionId,
        (latestAnswerId) => {
          const call = guessed && this.confirmGuess(guessed, latestAnswerId);
          guessed = undefined;
          return this.sendNow(user, dto, opts, call);
        },
        async () => {
          guessed = this.guess(user, sessionId, dto, opts);
          if (!guessed) return;
          await guessed.call.asked;
          // undici writes a request on a kept-alive connection only in the next check phase (it
          // first lets the socket report a close). The lock's or the question's write, sent now,
          // would go first, and a loopback write costs 0.1-1 ms here: one check phase later, the
          // model's request leads.
          await setImmediate();
        },
      )
      .finally(() => {
        // The turn failed before the send took its guessed call over (the lock could not be had).
        if (guessed) void guessed.call.cancel();
      });
  }

  /**
   * A plain send (an existing session, no key, no branch) in a chat whose last answer this process
   * stored: the model is asked at once with the window stored then. Taken, not read: a send that
   * ends without storing an answer leaves nothing to guess from.
   */
  private guess(user: AuthUser, sessionId: string, dto: SendMessageDto, opts: SendOptions): ModelCall | undefined {
    // Another user naming this session learns nothing, and neither does the model on their behalf.
    const known = this.known.take(sessionId, user.id);
    if (!known || opts.idempotencyKey || opts.target) return undefined;
    return this.askModel(user, dto, opts.signal, {
      session: { id: sessionId, title: '', system_prompt: known.systemPrompt },
      userMessage: { id: '' },
      window: [...known.turns, { role: 'user', content: dto.message }],
      created: false,
      leaf: known.leafId,
    });
  }

  /** Keeps a guessed call only while no other replica has answered in the session since (`latestAnswerId`). */
  private confirmGuess(guessed: ModelCall, latestAnswerId: string | null | undefined): ModelCall | undefined {
    if (latestAnswerId === undefined || latestAnswerId === guessed.read.leaf) return guessed;
    void guessed.call.cancel();
    return undefined;
  }

  private askModel(user: AuthUser, dto: SendMessageDto, signal: AbortSignal, read: Stored): ModelCall {
    const prepared = this.planCall(user, dto, read);
    const call = new EarlyModelCall(
      this.ai,
      prepared.then((plan) => plan.request),
      signal,
    );
    return { read, prepared, call };
  }

  private async sendNow(
    user: AuthUser,
    dto: SendMessageDto,
    opts: SendOptions,
    guessed?: ModelCall,
  ): Promise<SendResultDto> {
    const key = opts.idempotencyKey;
    let asked = guessed;
    let stored: Stored | SendResultDto;
    // Without a guess, the model is asked as soon as the window is read, while the question's
    // COMMIT is in flight; with one, the stored window must match what the model was asked with.
    const ask = (read: Stored | SendResultDto) => {
      if ('replayed' in read) return;
      // A guess that the stored window proved wrong: hung up on before anything of it was read.
      void asked?.call.cancel();
      asked = this.askModel(user, dto, opts.signal, read);
    };
    try {
      stored = await this.storeQuestion(user, dto, key, opts.target, ask, guessed?.read);
    } catch (err) {
      // The question is not stored, so no answer may be shown for it: the model call ends unread.
      await asked?.call.cancel();
      throw err;
    }
    if ('replayed' in stored) return stored;
    // storeQuestion resolved, so its commit succeeded and the hook that asked the model ran.
    if (!asked) throw new Error('the model call was not started');
    const { call, prepared } = asked;
    // The window this process remembered was the stored one: no other replica holds one of this session.
    const extendsKnownWindow = asked === guessed;

    const { session, userMessage, window, created, leaf } = stored;
    const assistantId = randomUUID();
    opts.onPrepared?.({
      session_id: session.id,
      title: session.title,
      created_session: created,
      user_message_id: userMessage.id,
      assistant_message_id: assistantId,
    });

    const { systemPrompt, context } = await prepared;
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
    const where = { session_id: session.id, user_message_id: userMessage.id };
    if (opts.signal.reason === TAKEN_OVER) throw answerLost(where);
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
      await this.storeAnswer(user, key, result, leaf, {
        provider: this.ai.name,
        model,
        usage,
        finish_reason: finishReason,
        latency_ms: Math.round(performance.now() - started),
        ttft_ms: ttftMs === undefined ? null : Math.round(ttftMs),
        reply_to: userMessage.id,
        context: { messages: context.turns, tokens: context.tokens, summary: context.summary !== undefined },
        ...(interrupted ? { interrupted: true } : {}),
      });
    } catch (err) {
      // Left pending, the key would answer every retry with 409 IDEMPOTENCY_KEY_IN_USE until it went stale.
      await this.idempotency.fail(user.id, key);
      throw isStoredElsewhere(err) ? answerLost(where) : err;
    }
    const history = this.config.context.maxMessages;
    this.known.remember(
      session.id,
      {
        userId: user.id,
        leafId: assistantId,
        systemPrompt: session.system_prompt,
        turns:
          history === 0
            ? []
            : [...window, { id: assistantId, role: 'assistant' as const, content: text }].slice(-history),
      },
      { announce: !extendsKnownWindow },
    );
    // Refinements for the next send and the chats list; neither delays this answer.
    this.summaries.afterAnswer(user, session.id, assistantId, systemPrompt);
    // The window ends with the question; alone in it, the question opens the chat.
    const question = window.at(-1);
    if (window.length === 1 && question && session.title === titleFrom(question.content)) {
      this.titles.afterFirstAnswer(user, {
        sessionId: session.id,
        title: session.title,
        question: question.content,
        answer: text,
      });
    }
    return result;
  }

  /** Phase three, one transaction: the answer and, with a key, the stored result a retry replays. */
  private storeAnswer(
    user: AuthUser,
    key: string | undefined,
    result: SendResultDto,
    leaf: string | null,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    const append = (tx: Queryable) =>
      this.messages.append(tx, result.session_id, 'assistant', result.response, metadata, result.assistant_message_id, {
        parentId: result.user_message_id,
        ifLeaf: leaf,
      });
    // The session was deleted while the model answered: nothing to attach the answer to.
    const attached = <T>(saved: T | undefined): T => {
      if (!saved) throw sessionNotFound();
      return saved;
    };
    // Without a key there is nothing to record for a retry: one statement, one round trip.
    if (!key) return this.db.asUserStatement(user.id, append).then((saved) => void attached(saved));
    return this.db.asUser(user.id, async (tx) => {
      attached(await append(tx));
      await this.idempotency.complete(tx, user.id, key, result);
    });
  }

  /**
   * The model call for a stored question: the session's memory fitted to the token budget, with
   * the stored summary of what fell out of it (one read on its own connection when summaries are
   * on, while the question's COMMIT is in flight).
   */
  private async planCall(user: AuthUser, dto: SendMessageDto, { session, window }: Stored): Promise<ModelCallPlan> {
    const systemPrompt = dto.system_prompt ?? session.system_prompt ?? this.config.chat.defaultSystemPrompt;
    const context = planContext({
      systemPrompt,
      window,
      maxTokens: this.config.context.maxTokens,
      count: this.countTokens,
      countTurn: (turn) => this.turnTokens.turn(turn),
      // Fewer turns than the cap came back: the window starts at the first message.
      reachesStart: window.length - 1 < this.config.context.maxMessages,
      summaries: await this.summaries.forWindow(user, session.id, window),
    });
    return {
      systemPrompt,
      context,
      request: {
        messages: context.messages,
        systemPrompt,
        temperature: dto.temperature ?? this.config.chat.defaultTemperature,
        maxTokens: dto.max_tokens ?? this.config.chat.defaultMaxTokens,
        timeoutMs: this.config.chat.timeoutMs,
      },
    };
  }

  /**
   * Phase one, one transaction: the idempotency claim, the session, the user's message (under the
   * active branch's leaf, or beside the edited one; none for a regenerate), the memory window (that
   * message's branch). `beforeCommit` gets what was read right before COMMIT is sent; in the
   * one-statement path (no key, an existing session) there is no separate COMMIT, and it gets it
   * once the statement returned, committed, unless it is the `guess` the model was asked with.
   */
  private storeQuestion(
    user: AuthUser,
    dto: SendMessageDto,
    key: string | undefined,
    target: BranchTarget | undefined,
    beforeCommit: (read: Stored | SendResultDto) => void,
    guess?: Stored,
  ): Promise<Stored | SendResultDto> {
    const history = this.config.context.maxMessages;
    const sessionId = dto.session_id?.toLowerCase();
    if (!key && !target && sessionId) {
      // The common send (an existing session, no key to record): one statement, one round trip,
      // so the model is asked as soon as it returns, committed.
      return this.db
        .asUserStatement(user.id, (tx) =>
          this.messages.appendToActiveSession(tx, user.id, sessionId, dto.message, history),
        )
        .then((appended) => {
          if (!appended) throw sessionNotFound();
          const { id } = appended.message;
          const stored = {
            session: appended.session,
            userMessage: { id },
            window: appended.window,
            created: false,
            leaf: id,
          };
          const asked = guess && {
            systemPrompt: guess.session.system_prompt,
            turns: guess.window.slice(0, -1),
          };
          const read = { systemPrompt: stored.session.system_prompt, turns: stored.window.slice(0, -1) };
          if (!asked || !sameWindow(asked, read)) beforeCommit(stored);
          return stored;
        });
    }
    const work = async (tx: Queryable): Promise<Stored | SendResultDto> => {
      const claim = await this.idempotency.claim(tx, user.id, key, dto, target);
      if (claim.replay) return claim.replay;
      const { earlier } = claim;

      let sessionRef = earlier?.session_id ?? sessionId;
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
        const window = await this.messages.window(tx, session.id, userMessage.id, history + 1);
        return { session, userMessage, window, created, leaf: session.current_leaf_id };
      }

      if (target?.kind === 'regenerate') {
        // A new answer to the question the regenerated one answers: nothing new is asked.
        const session = await this.sessions.findForUser(tx, user.id, sessionRef);
        if (!session || !session.is_active) throw sessionNotFound();
        const question = (await this.branchFrom(tx, session.id, target)).parent_id;
        if (!question) throw invalidRole('This answer has no question to answer again.');
        const window = await this.messages.window(tx, session.id, question, history + 1);
        await this.idempotency.attach(tx, user.id, key, session.id, question);
        return { session, userMessage: { id: question }, window, created, leaf: session.current_leaf_id };
      }

      // An edit is a new question beside the edited one (under the same parent).
      const parent = target ? { id: (await this.branchFrom(tx, sessionRef, target)).parent_id } : undefined;
      const appended = await this.messages.appendToActiveSession(tx, user.id, sessionRef, dto.message, history, parent);
      if (!appended) throw sessionNotFound();
      await this.idempotency.attach(tx, user.id, key, sessionRef, appended.message.id);
      const { id } = appended.message;
      return { session: appended.session, userMessage: { id }, window: appended.window, created, leaf: id };
    };
    return this.db.asUser(user.id, work, { beforeCommit });
  }

  /** The message an edit or a regenerate starts from: the new sibling goes under its parent. */
  private async branchFrom(tx: Queryable, sessionId: string, target: BranchTarget): Promise<StoredMessage> {
    const message = await this.messages.findById(tx, sessionId, target.messageId);
    if (!message) throw messageNotFound();
    if (target.kind === 'edit' && message.role !== 'user') throw invalidRole('Only a user message can be edited.');
    if (target.kind === 'regenerate' && message.role !== 'assistant') {
      throw invalidRole('Only an answer can be regenerated.');
    }
    return message;
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
