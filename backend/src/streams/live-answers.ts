/**
 * What the replicas of one deployment share about answers in flight: each answer's events (for
 * resume), stop requests, and the leases that tell a live answer from a dead replica's. Two
 * implementations: in memory (one process, no REDIS_URL) and in Redis (any number of replicas).
 * Whose turn it is in a session is SessionTurns' job.
 *
 * Event ids: each answer numbers its SSE events 1, 2, 3... in the order they were written
 * (`id:` lines of the UI message stream; heartbeats are comments and take no number). The
 * same numbers are kept in the buffer, so `Last-Event-ID: n` means "the events after n".
 * In Redis the events of one event-loop turn share a stream entry, its id `0-<last event id>`,
 * each event a field named by its number (see RedisLiveAnswers).
 */

/** Who is producing an answer, enough to store it as interrupted if that replica dies. */
export interface AnswerMeta {
  sessionId: string;
  assistantId: string;
  userId: string;
  userMessageId: string;
  /**
   * The stored message the events belong to, when not `assistantId`: an answer continued after
   * its tools' results streams under a key of its own.
   */
  messageId?: string;
  idempotencyKey?: string;
  /** Streamed (SSE) answers buffer their events; JSON ones only take part in stop and drain. */
  streamed: boolean;
}

export type UiPart = Record<string, unknown> & { type: string };

export interface BufferedEvent {
  id: number;
  part: UiPart;
}

/**
 * The abort reason when another replica took an answer over (this one missed its lease, say
 * while stalled): that replica has stored the partial, so this one must not store it again.
 */
export const TAKEN_OVER = 'taken-over';

/** The last event of an answer's stream: after it only `[DONE]`. */
export const isTerminal = (part: UiPart): boolean => part.type === 'finish' || part.type === 'error';

/** An answer this replica produces: its events go to the buffer, a stop from anywhere aborts it. */
export interface InFlightAnswer {
  readonly meta: AnswerMeta;
  /** Buffers an event; a promise when the buffer is remote (settles once it is stored). */
  append(id: number, part: UiPart): Promise<unknown> | void;
  /** The answer is stored and its last event written: no longer in flight. */
  end(): Promise<void>;
}

/** The state of a session's latest answer as the buffer knows it. */
export interface AnswerState {
  meta: AnswerMeta;
  /** Its terminal event is buffered. */
  ended: boolean;
  /** No replica renews its lease: the one producing it is gone. */
  lost: boolean;
  lastId: number;
}

/** Stores an answer whose replica died, and closes its buffered stream with a terminal event. */
export type LostAnswerHandler = (sessionId?: string) => Promise<void>;

export abstract class LiveAnswers {
  private readonly local = new Map<string, { answer: InFlightAnswer; abort: AbortController }>();
  private idleWaiters: Array<() => void> = [];
  /**
   * Set by LostAnswers: a follower that waits in vain on a dead replica's answer stores it and
   * closes its stream (Redis only; one process that died took its followers with it).
   */
  onLost?: LostAnswerHandler;

  /** Registers an answer this process produces: its events are buffered, a stop from any replica aborts it. */
  abstract begin(meta: AnswerMeta, abort: AbortController): InFlightAnswer;
  /** The latest answer of a session, while its events are kept. */
  abstract latest(sessionId: string): Promise<AnswerState | undefined>;
  /** Asks whichever replica produces the answer to stop it. */
  abstract requestStop(meta: AnswerMeta): Promise<void>;
  /** The answer's events after `afterId`, then each new one as it comes, until the terminal one. */
  abstract follow(assistantId: string, afterId: number, signal: AbortSignal): AsyncIterable<BufferedEvent>;
  /** Every event buffered for an answer so far. */
  abstract events(assistantId: string): Promise<BufferedEvent[]>;
  /**
   * Takes over answers whose replica stopped renewing their lease (each is handed to exactly
   * one caller across replicas); `sessionId` narrows it to one session.
   */
  abstract claimLost(sessionId?: string): Promise<AnswerMeta[]>;
  /** Appends events to an answer no replica produces any more (a lost one being closed). */
  abstract appendClosing(assistantId: string, events: BufferedEvent[]): Promise<void>;
  abstract close(): Promise<void>;

  /** Answers this process is producing now. */
  get localCount(): number {
    return this.local.size;
  }

  /** Resolves once this process has no answer in flight. */
  idle(): Promise<void> {
    if (this.local.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Aborts every answer this process produces (the drain limit passed): each is stored as interrupted. */
  abortLocal(reason: string): void {
    for (const { abort } of this.local.values()) abort.abort(reason);
  }

  protected abortLocalAnswer(assistantId: string, reason: string): boolean {
    const entry = this.local.get(assistantId);
    entry?.abort.abort(reason);
    return entry !== undefined;
  }

  protected track(answer: InFlightAnswer, abort: AbortController): void {
    this.local.set(answer.meta.assistantId, { answer, abort });
  }

  protected untrack(assistantId: string): void {
    this.local.delete(assistantId);
    if (this.local.size > 0) return;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
