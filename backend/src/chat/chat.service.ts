import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setImmediate } from 'node:timers/promises';
import {
  AI_PROVIDER,
  AiProviderError,
  type AiProvider,
  type AiRequest,
  type AiToolCall,
  type AiUsage,
} from '../ai/ai-provider.js';
import { AttachmentInputs, type PlannedInputs } from '../attachments/attachment-inputs.js';
import type { AuthUser } from '../auth/auth-user.js';
import { AppError, type ErrorDetails } from '../common/app-error.js';
import { cleanText, StreamingTextCleaner } from '../common/clean-text.js';
import { AppConfig } from '../config/app-config.js';
import { Database, type Queryable } from '../database/database.js';
import type { ContextPlan } from '../memory/context-budget.js';
import { ContextPlanner } from '../memory/context-planner.js';
import { SummariesService } from '../memory/summaries.service.js';
import { titleFrom } from '../memory/title.js';
import { TOKEN_COUNTER, type CountTokens } from '../memory/token-counter.js';
import { TitlesService } from '../memory/titles.service.js';
import { MessagesRepository } from '../sessions/messages.repository.js';
import { sessionNotFound } from '../sessions/sessions.service.js';
import { type InFlightAnswer, LiveAnswers, TAKEN_OVER } from '../streams/live-answers.js';
import { LostAnswers } from '../streams/lost-answers.js';
import { type SessionTurn, SessionTurns, type SharedTurn } from '../streams/session-turns.js';
import { checkCalls, type StoredToolCall, toolTurns } from '../tools/tool-calls.js';
import { ToolDefinitions, type ToolSet } from '../tools/tool-definitions.js';
import { ToolWaitsRepository } from '../tools/tool-waits.repository.js';
import { UsageService } from '../usage/usage.service.js';
import type { AnswerOutput } from './answer-output.js';
import type { SendMessageDto } from './dto/send-message.dto.js';
import type { SendResultDto, UsageDto } from './dto/send-result.dto.js';
import { EarlyModelCall } from './early-model-call.js';
import { IdempotencyService } from './idempotency.service.js';
import { KnownWindows, sameWindow } from './known-windows.js';
import { QuestionsService } from './questions.service.js';
import type { Continuation, SendOptions, StoredQuestion } from './send.js';

/** A model call under way, the question it answers (stored, or guessed from memory), and what of the memory went into it. */
interface ModelCall {
  question: StoredQuestion;
  plan: Promise<{ systemPrompt: string; context: ContextPlan; inputs: PlannedInputs }>;
  call: EarlyModelCall;
}

/** What the model said, as relayed to the client. */
interface Relayed {
  text: string;
  ttftMs?: number;
  done?: { finishReason: string; usage?: AiUsage; model?: string; toolCalls?: AiToolCall[] };
  /** A stop or the drain limit ended it early. */
  interrupted: boolean;
}

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
 * Sending a message, top to bottom in `send`: take the session's turn, store the question (the
 * model is asked while its commit is under way, or earlier from a guess), relay the answer as it
 * comes, store the answer.
 * Every write commits on its own, so a failure never loses the question and never leaves half an
 * exchange behind; none of the answer goes out before the question's commit succeeded.
 */
@Injectable()
export class ChatService {
  private readonly logger = new Logger(ChatService.name);

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly messages: MessagesRepository,
    private readonly questions: QuestionsService,
    private readonly idempotency: IdempotencyService,
    private readonly turns: SessionTurns,
    private readonly live: LiveAnswers,
    private readonly lost: LostAnswers,
    private readonly planner: ContextPlanner,
    private readonly summaries: SummariesService,
    private readonly titles: TitlesService,
    private readonly known: KnownWindows,
    private readonly attachmentInputs: AttachmentInputs,
    private readonly usage: UsageService,
    private readonly toolDefinitions: ToolDefinitions,
    private readonly toolWaits: ToolWaitsRepository,
    @Inject(AI_PROVIDER) private readonly ai: AiProvider,
    @Inject(TOKEN_COUNTER) private readonly countTokens: CountTokens,
  ) {}

  /**
   * One send (a new message, an edit or a regenerate), its answer written to `out`. A replica
   * that is draining refused it already (DrainingGuard, before it was charged).
   */
  async send(user: AuthUser, dto: SendMessageDto, opts: SendOptions, out: AnswerOutput): Promise<void> {
    const key = opts.idempotencyKey;
    let tools: ToolSet | undefined;
    // Not tied to the connection: a client that drops can resume. A stop (from any replica) or
    // the drain limit aborts the model call, and the partial answer is kept.
    const abort = new AbortController();
    let turn: SessionTurn | undefined;
    // The call asked from what this process remembered, and the one that answers.
    let guess: ModelCall | undefined;
    let model: ModelCall | undefined;
    let answer: InFlightAnswer | undefined;
    try {
      // The page's tools are checked before anything is stored or asked.
      tools = this.toolDefinitions.check(dto.tools);
      // 1. The session's turn: one send at a time per session, here and across replicas. A new
      // session has no other send to wait for.
      const sessionId = dto.session_id?.toLowerCase();
      turn = sessionId ? await this.turns.enter(sessionId) : undefined;
      if (turn && sessionId) {
        // The model is asked at once from the window this process stored last in the session,
        // so the lock's round trip and the question's statement overlap the model's wait.
        // (Its request leaves first; with summaries on, the lock also waits for the summary read.)
        guess = this.guess(user, sessionId, dto, opts, abort.signal);
        if (guess) await this.sentFirst(guess.call);
        const shared = await turn.lock();
        // A dead replica's answer in this session is stored before this turn's question.
        if (shared.lostAnswer) await this.lost.recover(sessionId);
        if (guess && !stillLatest(guess, shared)) guess = this.dropGuess(guess);
      }

      // 2. The question, stored. `store` resolves once what the model needs was read, before the
      // COMMIT settles (`committed`): the model is asked meanwhile, unless the guess asked it
      // with exactly the window that was stored, and nothing of the answer goes out before it.
      const step = await this.questions.store(user, dto, opts);
      if (step.replay) return await this.replay(step.replay, out);
      const { question, committed } = step;
      model =
        guess && sameWindow(windowOf(guess.question), windowOf(question))
          ? guess
          : this.ask(user, dto, question, abort.signal, tools);
      if (guess && model !== guess) guess = this.dropGuess(guess);
      const { call, plan } = model;
      try {
        await committed;
      } catch (err) {
        // The question is not stored, so no answer may be shown for it: the model call ends unread.
        await call.cancel();
        throw err;
      }

      // 3. The answer streams: registered so a stop or a resume from any replica finds it.
      const assistantId = randomUUID();
      const { session, userMessageId } = question;
      answer = this.live.begin(
        {
          sessionId: session.id,
          assistantId,
          userId: user.id,
          userMessageId,
          ...(key ? { idempotencyKey: key } : {}),
          streamed: out.streamed,
        },
        abort,
      );
      out.open(
        {
          session_id: session.id,
          title: session.title,
          created_session: question.created,
          user_message_id: userMessageId,
          assistant_message_id: assistantId,
        },
        answer,
      );
      const where = { session_id: session.id, user_message_id: userMessageId };
      let relayed: Relayed;
      try {
        // The call's first event waits for its plan: a plan that failed fails here too.
        relayed = await this.relay(call, abort.signal, out);
      } catch (err) {
        await this.idempotency.fail(user.id, key);
        // A new session's id is news to the client: without it a retry would start a second session.
        throw this.toAppError(err, where);
      }
      const { systemPrompt, context, inputs } = await plan;
      if (inputs.sources.length) out.sources(inputs.sources);
      // LiveAnswers aborts with TAKEN_OVER when its lease renewal finds that another replica
      // took the answer over (this one stalled past its lease) and stored the partial itself.
      if (abort.signal.reason === TAKEN_OVER) throw answerLost(where);

      // The page's tools the model called: checked, shown, and stored with the answer, which then waits.
      const calls = relayed.done?.toolCalls && !relayed.interrupted ? checkCalls(relayed.done.toolCalls, tools, 1) : [];
      for (const c of calls) out.toolInput(c);

      // 4. The answer, stored (with the result a retry with the same key replays).
      const result = this.resultOf(question, assistantId, relayed, inputs, calls);
      if (relayed.interrupted && relayed.text === '') {
        // Stopped before the model said anything: there is no answer to keep, and the history
        // shows the question alone. A retry with the same key answers it.
        await this.idempotency.fail(user.id, key);
        return await out.finish(result);
      }
      try {
        await this.storeAnswer(
          user,
          key,
          result,
          question.leaf,
          {
            provider: this.ai.name,
            model: result.model,
            // The provider's own figures; without them, counted here (the quotas and analytics need them).
            ...(result.usage
              ? { usage: result.usage }
              : { usage: this.countedUsage(context.tokens, relayed.text), usage_counted: true }),
            finish_reason: result.finish_reason,
            latency_ms: Math.round(performance.now() - call.startedAt),
            ttft_ms: relayed.ttftMs === undefined ? null : Math.round(relayed.ttftMs),
            reply_to: userMessageId,
            context: {
              messages: context.turns,
              tokens: context.tokens,
              summary: context.summary !== undefined,
              ...(inputs.attachments.length ? { attachments: inputs.attachments } : {}),
            },
            ...(inputs.sources.length ? { sources: inputs.sources } : {}),
            ...(relayed.interrupted ? { interrupted: true } : {}),
            ...(calls.length
              ? {
                  tool_calls: calls,
                  awaiting_tool_results: true,
                  tools: tools?.definitions,
                  tool_settings: {
                    system_prompt: systemPrompt,
                    temperature: dto.temperature,
                    max_tokens: dto.max_tokens,
                  },
                }
              : {}),
          },
          calls.length ? 1 : 0,
        );
      } catch (err) {
        // Left pending, the key would answer every retry with 409 IDEMPOTENCY_KEY_IN_USE until it went stale.
        await this.idempotency.fail(user.id, key);
        throw isStoredElsewhere(err) ? answerLost(where) : err;
      }
      this.rememberWindow(user, question, result, { extendsKnown: model === guess });
      this.refineInBackground(user, question, result, systemPrompt);
      await out.finish(result);
    } catch (err) {
      this.usage.recordSendError(
        user.id,
        model?.question.session.id,
        err instanceof AppError ? err.code : 'INTERNAL_ERROR',
      );
      // Whatever failed, no model call outlives the send (cancelling one that ended is a no-op).
      if (guess !== model) await guess?.call.cancel();
      await model?.call.cancel();
      // A JSON answer, or a stream not opened yet, rethrows it for the error filter.
      await out.fail(err);
    } finally {
      try {
        out.dispose();
        await answer?.end();
      } finally {
        turn?.release();
      }
    }
  }

  /**
   * The model continues an answer whose tools' results are all in (POST …/tool-results), in the
   * same message: the results go out first, then the new text, appended to the stored answer. It
   * may call the page's tools again (another round) up to MAX_TOOL_ROUNDS. The caller holds the
   * session's turn.
   */
  async continueAnswer(user: AuthUser, c: Continuation, out: AnswerOutput): Promise<void> {
    const abort = new AbortController();
    let call: EarlyModelCall | undefined;
    let answer: InFlightAnswer | undefined;
    const meta = c.metadata;
    const settings = (meta.tool_settings ?? {}) as {
      system_prompt?: string;
      temperature?: number;
      max_tokens?: number;
    };
    const definitions = (meta.tools ?? []) as ToolSet['definitions'];
    // The last round allowed: the model answers with what it has, offered no tool.
    const tools = c.round < this.config.tools.maxRounds ? this.toolDefinitions.check(definitions) : undefined;
    const where = { session_id: c.session.id, user_message_id: c.questionId };
    try {
      const systemPrompt = settings.system_prompt ?? c.session.system_prompt ?? this.config.chat.defaultSystemPrompt;
      const request = this.planner.plan(user, c.session.id, c.window, systemPrompt).then(async (context) => {
        const inputs = await this.attachmentInputs.apply(user, c.window, context);
        return {
          messages: [...inputs.messages, ...toolTurns(c.text, c.calls)],
          systemPrompt,
          ...(tools ? { tools: tools.definitions } : {}),
          temperature: settings.temperature ?? this.config.chat.defaultTemperature,
          maxTokens: settings.max_tokens ?? this.config.chat.defaultMaxTokens,
          timeoutMs: this.config.chat.timeoutMs,
        };
      });
      call = new EarlyModelCall(this.ai, request, abort.signal);
      // Registered under a key of its own (the answer's first round keeps its events under the
      // answer's id); a stop or a resume finds it as the session's latest answer.
      answer = this.live.begin(
        {
          sessionId: c.session.id,
          assistantId: randomUUID(),
          messageId: c.messageId,
          userId: user.id,
          userMessageId: c.questionId,
          streamed: out.streamed,
        },
        abort,
      );
      out.open(
        {
          session_id: c.session.id,
          title: c.session.title,
          created_session: false,
          user_message_id: c.questionId,
          assistant_message_id: c.messageId,
        },
        answer,
      );
      for (const done of c.calls.filter((x) => x.round === c.round)) out.toolOutput(done);
      let relayed: Relayed;
      try {
        relayed = await this.relay(call, abort.signal, out);
      } catch (err) {
        throw this.toAppError(err, where);
      }
      if (abort.signal.reason === TAKEN_OVER) throw answerLost(where);
      const calls =
        relayed.done?.toolCalls && !relayed.interrupted ? checkCalls(relayed.done.toolCalls, tools, c.round + 1) : [];
      for (const next of calls) out.toolInput(next);
      const allCalls = [...c.calls, ...calls];
      const usage = sumUsage(meta.usage as UsageDto | null | undefined, toUsage(relayed.done?.usage));
      const result: SendResultDto = {
        response: c.text + relayed.text,
        session_id: c.session.id,
        title: c.session.title,
        created_session: false,
        user_message_id: c.questionId,
        assistant_message_id: c.messageId,
        finish_reason: relayed.interrupted ? 'interrupted' : upstreamLabel(relayed.done?.finishReason) || 'stop',
        interrupted: relayed.interrupted,
        usage,
        provider: this.ai.name,
        model: upstreamLabel(relayed.done?.model) || this.ai.model,
        replayed: false,
        tool_calls: allCalls,
        ...(calls.length ? { awaiting_tool_results: true } : {}),
      };
      const { awaiting_tool_results: _waited, interrupted: _was, ...kept } = meta;
      await this.db.asUser(user.id, async (tx) => {
        const updated = await this.toolWaits.updateAnswer(tx, c.session.id, c.messageId, relayed.text, {
          ...kept,
          model: result.model,
          usage: usage ?? undefined,
          finish_reason: result.finish_reason,
          tool_calls: allCalls,
          ...(calls.length ? { awaiting_tool_results: true } : {}),
          ...(relayed.interrupted ? { interrupted: true } : {}),
        });
        if (!updated) throw sessionNotFound();
        if (calls.length) {
          await this.toolWaits.insert(tx, {
            message_id: c.messageId,
            session_id: c.session.id,
            user_id: user.id,
            round: c.round + 1,
            deadline: new Date(Date.now() + this.config.tools.resultTimeoutMs),
          });
        }
      });
      await out.finish(result);
    } catch (err) {
      await call?.cancel();
      await out.fail(err);
    } finally {
      try {
        out.dispose();
      } finally {
        await answer?.end();
      }
    }
  }

  /**
   * A plain send (an existing session, no key, no branch) in a chat whose last answer this process
   * stored: the model is asked at once with the window stored then. Taken, not read: a send that
   * ends without storing an answer leaves nothing to guess from.
   */
  private guess(
    user: AuthUser,
    sessionId: string,
    dto: SendMessageDto,
    opts: SendOptions,
    signal: AbortSignal,
  ): ModelCall | undefined {
    // A question with files is stored with them before the model can be asked about them.
    if (opts.idempotencyKey || opts.target || dto.attachment_ids?.length || dto.tools?.length) return undefined;
    // With a daily quota the question is admitted (by its insert) before the model is asked.
    if (this.config.quotas.messagesPerDay || this.config.quotas.tokensPerDay) return undefined;
    // Another user naming this session learns nothing, and neither does the model on their behalf.
    const known = this.known.take(sessionId, user.id);
    if (!known) return undefined;
    const question = {
      session: { id: sessionId, title: '', system_prompt: known.systemPrompt },
      userMessageId: '',
      window: [...known.turns, { role: 'user' as const, content: dto.message }],
      created: false,
      leaf: known.leafId,
    };
    return this.ask(user, dto, question, signal, undefined);
  }

  /**
   * Waits until the guessed call's request is on its way. undici writes a request on a kept-alive
   * connection only in the next check phase (it first lets the socket report a close); the
   * lock's or the question's write, sent now, would go first, and a loopback write costs 0.1-1 ms
   * here. One check phase later, the model's request leads.
   */
  private async sentFirst(call: EarlyModelCall): Promise<void> {
    await call.asked;
    await setImmediate();
  }

  /** Asks the model for a question: its memory planned (a read that may still run), the call started. */
  private ask(
    user: AuthUser,
    dto: SendMessageDto,
    question: StoredQuestion,
    signal: AbortSignal,
    tools: ToolSet | undefined,
  ): ModelCall {
    const systemPrompt = dto.system_prompt ?? question.session.system_prompt ?? this.config.chat.defaultSystemPrompt;
    const plan = this.planner.plan(user, question.session.id, question.window, systemPrompt).then(async (context) => ({
      systemPrompt,
      context,
      inputs: await this.attachmentInputs.apply(user, question.window, context),
    }));
    const request = plan.then(({ inputs }): Omit<AiRequest, 'signal'> => ({
      messages: inputs.messages,
      systemPrompt,
      ...(tools ? { tools: tools.definitions } : {}),
      temperature: dto.temperature ?? this.config.chat.defaultTemperature,
      maxTokens: dto.max_tokens ?? this.config.chat.defaultMaxTokens,
      timeoutMs: this.config.chat.timeoutMs,
    }));
    return { question, plan, call: new EarlyModelCall(this.ai, request, signal) };
  }

  /**
   * A guess proved wrong: hung up on before anything of it was read. Not awaited: the send goes
   * on with the right call while the provider lets go of this one.
   */
  private dropGuess(guess: ModelCall): undefined {
    void guess.call.cancel();
    return undefined;
  }

  /**
   * Writes the model's text to `out` as it comes, cleaned so Postgres can hold it (no NUL, no
   * lone surrogate). A stop ends it as interrupted; any other failure is thrown.
   */
  private async relay(call: EarlyModelCall, signal: AbortSignal, out: AnswerOutput): Promise<Relayed> {
    const relayed: Relayed = { text: '', interrupted: false };
    const cleaner = new StreamingTextCleaner();
    const write = (piece: string) => {
      relayed.text += piece;
      out.text(piece);
    };
    try {
      const callIds = new Map<number, string>();
      for await (const event of call.events()) {
        if (event.type === 'tool-call-start') {
          callIds.set(event.index, event.id);
          out.toolInputStart(event.id, event.name);
          continue;
        }
        if (event.type === 'tool-call-delta') {
          const id = callIds.get(event.index);
          if (id) out.toolInputDelta(id, event.argumentsDelta);
          continue;
        }
        if (event.type !== 'delta') {
          relayed.done = event;
          continue;
        }
        const piece = cleaner.push(event.text);
        if (!piece) continue;
        relayed.ttftMs ??= performance.now() - call.startedAt;
        write(piece);
      }
    } catch (err) {
      const stopped = signal.aborted || (err instanceof AiProviderError && err.code === 'UPSTREAM_ABORTED');
      if (!stopped) throw err;
      relayed.interrupted = true;
    }
    const tail = cleaner.flush();
    if (tail) write(tail);
    return relayed;
  }

  private resultOf(
    question: StoredQuestion,
    assistantId: string,
    relayed: Relayed,
    inputs: PlannedInputs,
    calls: StoredToolCall[] = [],
  ): SendResultDto {
    const { done, interrupted } = relayed;
    return {
      response: relayed.text,
      session_id: question.session.id,
      title: question.session.title,
      created_session: question.created,
      user_message_id: question.userMessageId,
      assistant_message_id: assistantId,
      finish_reason: interrupted ? 'interrupted' : upstreamLabel(done?.finishReason) || 'stop',
      interrupted,
      usage: toUsage(done?.usage),
      provider: this.ai.name,
      model: upstreamLabel(done?.model) || this.ai.model,
      replayed: false,
      ...(inputs.sources.length ? { sources: inputs.sources } : {}),
      ...(calls.length ? { tool_calls: calls, awaiting_tool_results: true } : {}),
    };
  }

  /** One transaction: the answer and, with a key, the stored result a retry replays. */
  private storeAnswer(
    user: AuthUser,
    key: string | undefined,
    result: SendResultDto,
    leaf: string | null,
    metadata: Record<string, unknown>,
    waitRound: number,
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
    if (!key && !waitRound) return this.db.asUserStatement(user.id, append).then((saved) => void attached(saved));
    return this.db.asUser(user.id, async (tx) => {
      attached(await append(tx));
      // Waiting for the page's results: any replica takes them, and the janitor ends the wait at its deadline.
      if (waitRound) {
        await this.toolWaits.insert(tx, {
          message_id: result.assistant_message_id,
          session_id: result.session_id,
          user_id: user.id,
          round: waitRound,
          deadline: new Date(Date.now() + this.config.tools.resultTimeoutMs),
        });
      }
      if (key) await this.idempotency.complete(tx, user.id, key, result);
    });
  }

  /**
   * The window as stored now, for the session's next send to guess from. Announced to the other
   * replicas unless the answer extends the window this one remembered: then none of them holds one.
   */
  private rememberWindow(
    user: AuthUser,
    question: StoredQuestion,
    result: SendResultDto,
    { extendsKnown }: { extendsKnown: boolean },
  ): void {
    const history = this.config.context.maxMessages;
    const answer = { id: result.assistant_message_id, role: 'assistant' as const, content: result.response };
    this.known.remember(
      question.session.id,
      {
        userId: user.id,
        leafId: result.assistant_message_id,
        systemPrompt: question.session.system_prompt,
        turns: history === 0 ? [] : [...question.window, answer].slice(-history),
      },
      { announce: !extendsKnown },
    );
  }

  /** Refinements for the next send and the chats list; neither delays this answer. */
  private refineInBackground(
    user: AuthUser,
    question: StoredQuestion,
    result: SendResultDto,
    systemPrompt: string,
  ): void {
    const { session, window } = question;
    this.summaries.afterAnswer(user, session.id, result.assistant_message_id, systemPrompt);
    // The window ends with the question; alone in it, the question opens the chat.
    const first = window.at(-1);
    if (window.length === 1 && first && session.title === titleFrom(first.content)) {
      this.titles.afterFirstAnswer(user, {
        sessionId: session.id,
        title: session.title,
        question: first.content,
        answer: result.response,
      });
    }
  }

  /** An answer's tokens when the provider gave none: the prompt as planned, the answer as relayed. */
  private countedUsage(promptTokens: number, answer: string): UsageDto {
    const completion = this.countTokens(answer);
    return { prompt_tokens: promptTokens, completion_tokens: completion, total_tokens: promptTokens + completion };
  }

  /** The stored result of an earlier request with the same key, written as a fresh answer would be. */
  private async replay(result: SendResultDto, out: AnswerOutput): Promise<void> {
    out.open(result);
    if (result.sources?.length) out.sources(result.sources);
    if (result.response) out.text(result.response);
    await out.finish(result);
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

/** Two rounds' usage together (either may be missing). */
function sumUsage(a: UsageDto | null | undefined, b: UsageDto | null): UsageDto | null {
  if (!a) return b;
  if (!b) return a;
  return {
    prompt_tokens: a.prompt_tokens + b.prompt_tokens,
    completion_tokens: a.completion_tokens + b.completion_tokens,
    total_tokens: a.total_tokens + b.total_tokens,
  };
}

/** Keeps a guessed call only while no other replica has answered in the session since. */
function stillLatest(model: ModelCall, shared: SharedTurn): boolean {
  return shared.latestAnswerId === undefined || shared.latestAnswerId === model.question.leaf;
}

/** What a guess must match: the turns before the question, and the system prompt. */
function windowOf(question: StoredQuestion) {
  return { systemPrompt: question.session.system_prompt, turns: question.window.slice(0, -1) };
}

/** A model name or finish reason as we store it: clean, and short enough for a label. */
function upstreamLabel(value: string | undefined): string {
  return value ? cleanText(value.slice(0, 200)) : '';
}
