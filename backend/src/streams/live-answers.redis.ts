import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import {
  type AnswerMeta,
  type AnswerState,
  type BufferedEvent,
  type InFlightAnswer,
  isTerminal,
  LiveAnswers,
  TAKEN_OVER,
  type UiPart,
} from './live-answers.js';

/** The keys this and RedisSessionTurns share (under REDIS_KEY_PREFIX). */
export const REDIS_KEYS = {
  /** Sorted set of in-flight answers (member: their meta JSON) scored by lease expiry. */
  live: 'live',
  /** The session's latest answer (its meta JSON). */
  answer: (sessionId: string) => `answer:${sessionId}`,
  /** Whose turn it is in a session (RedisSessionTurns). */
  lock: (sessionId: string) => `lock:${sessionId}`,
} as const;

/**
 * Several replicas over one Redis (all keys under REDIS_KEY_PREFIX):
 * - `answer:<session>`: the session's latest answer (JSON AnswerMeta);
 * - `events:<assistant id>`: a Redis Stream of the answer's SSE events: one entry per answer per
 *   event-loop turn, its id `0-<last event id>`, its fields `<event id> <event JSON>` pairs;
 * - `live`: sorted set of in-flight answers (member: their meta) scored by lease expiry;
 * - channel `<prefix>stop`: assistant ids to stop, heard by every replica.
 * (`lock:<session>` is RedisSessionTurns'.)
 */
export class RedisLiveAnswers extends LiveAnswers {
  private readonly logger = new Logger(RedisLiveAnswers.name);
  private readonly subscriber: Redis;
  private readonly stopChannel: string;

  private constructor(
    private readonly redis: Redis,
    prefix: string,
    private readonly leaseMs: number,
    private readonly keepMs: number,
  ) {
    super();
    this.stopChannel = `${prefix}stop`;
    this.subscriber = redis.duplicate({ keyPrefix: '' });
  }

  static async create(redis: Redis, prefix: string, leaseMs: number, keepMs: number): Promise<RedisLiveAnswers> {
    const live = new RedisLiveAnswers(redis, prefix, leaseMs, keepMs);
    live.subscriber.on('message', (channel: string, assistantId: string) => {
      if (channel === live.stopChannel) live.abortLocalAnswer(assistantId, 'stopped');
    });
    await live.subscriber.subscribe(live.stopChannel);
    return live;
  }

  begin(meta: AnswerMeta, abort: AbortController): InFlightAnswer {
    const member = JSON.stringify(meta);
    const events = `events:${meta.assistantId}`;
    const pointer = REDIS_KEYS.answer(meta.sessionId);
    const alive = this.leaseMs + this.keepMs;
    const fail = (err: unknown) => this.logger.warn({ err }, 'redis write for an answer failed');
    this.redis
      .multi()
      .set(pointer, member, 'PX', alive)
      .zadd(REDIS_KEYS.live, Date.now() + this.leaseMs, member)
      .exec()
      .catch(fail);
    const renew = setInterval(() => {
      this.redis
        .multi()
        .zadd(REDIS_KEYS.live, 'XX', 'CH', Date.now() + this.leaseMs, member)
        .pexpire(pointer, alive)
        .pexpire(events, alive)
        .exec()
        .then((replies) => {
          // Gone from the live set: another replica found the lease run out and took the answer over.
          if (replies?.[0]?.[1] === 0) this.abortLocalAnswer(meta.assistantId, TAKEN_OVER);
        })
        .catch(fail);
    }, this.leaseMs / 3);
    renew.unref();
    let first = true;
    const answer: InFlightAnswer = {
      meta,
      append: (id: number, part: UiPart) => {
        // The stream's first entry creates it: its expiry goes right after, in the same pipeline.
        const added = this.add(events, id, part, first ? alive : undefined).catch(fail);
        first = false;
        return added;
      },
      end: async () => {
        clearInterval(renew);
        this.untrack(meta.assistantId);
        await this.redis
          .multi()
          .zrem(REDIS_KEYS.live, member)
          .pexpire(events, this.keepMs)
          .pexpire(pointer, this.keepMs)
          .exec()
          .catch(fail);
      },
    };
    this.track(answer, abort);
    return answer;
  }

  private adds: Array<{ key: string; id: number; part: UiPart; expireMs?: number; done: (err: Error | null) => void }> =
    [];

  /**
   * Appends an event to an answer's stream. Every append of one turn of the event loop, from
   * every answer, goes to Redis as one pipeline in one write (each write costs far more than its
   * bytes; bench/HISTORY.md): the answers' streams batch their deltas on one shared clock, so a
   * turn holds a batch from each of them, and each answer's batch is one entry (one XADD). One
   * connection runs commands in order, so the entries arrive in event order.
   */
  private add(key: string, id: number, part: UiPart, expireMs?: number): Promise<void> {
    return new Promise((resolve, reject) => {
      if (this.adds.length === 0) setImmediate(this.sendAdds);
      this.adds.push({ key, id, part, expireMs, done: (err) => (err ? reject(err) : resolve()) });
    });
  }

  private readonly sendAdds = (): void => {
    const batch = this.adds;
    this.adds = [];
    const entries = new Map<string, { fields: string[]; lastId: number; expireMs?: number; adds: number[] }>();
    batch.forEach(({ key, id, part, expireMs }, i) => {
      let entry = entries.get(key);
      if (!entry) entries.set(key, (entry = { fields: [], lastId: id, adds: [] }));
      entry.fields.push(String(id), JSON.stringify(part));
      // An answer appends its events in id order.
      entry.lastId = id;
      entry.expireMs ??= expireMs;
      entry.adds.push(i);
    });
    const pipeline = this.redis.pipeline();
    const replyOf: number[] = [];
    for (const [key, { fields, lastId, expireMs, adds }] of entries) {
      for (const i of adds) replyOf[i] = pipeline.length;
      pipeline.xadd(key, `0-${lastId}`, ...fields);
      if (expireMs !== undefined) pipeline.pexpire(key, expireMs);
    }
    pipeline.exec().then(
      (replies) => batch.forEach((a, i) => a.done(replies?.[replyOf[i]!]?.[0] ?? null)),
      (err: Error) => batch.forEach((a) => a.done(err)),
    );
  };

  async latest(sessionId: string): Promise<AnswerState | undefined> {
    const raw = await this.redis.get(REDIS_KEYS.answer(sessionId));
    if (!raw) return undefined;
    const meta = JSON.parse(raw) as AnswerMeta;
    const [[, lastEntries], [, score]] = (await this.redis
      .multi()
      .xrevrange(`events:${meta.assistantId}`, '+', '-', 'COUNT', 1)
      .zscore(REDIS_KEYS.live, raw)
      .exec()) as [[unknown, Array<[string, string[]]>], [unknown, string | null]];
    const last = lastEntries[0] ? toEvents(lastEntries[0]).at(-1) : undefined;
    const terminal = last !== undefined && isTerminal(last.part);
    return {
      meta,
      // A JSON answer has no events: it is over once it left the live set.
      ended: terminal || (!meta.streamed && score === null),
      lost: !terminal && score !== null && Number(score) < Date.now(),
      lastId: last?.id ?? 0,
    };
  }

  async requestStop(meta: AnswerMeta): Promise<void> {
    await this.redis.publish(this.stopChannel, meta.assistantId);
  }

  async *follow(assistantId: string, afterId: number, signal: AbortSignal): AsyncIterable<BufferedEvent> {
    // XREAD BLOCK holds its connection, so each follower has its own.
    const conn = this.redis.duplicate();
    const hangUp = () => conn.disconnect();
    signal.addEventListener('abort', hangUp, { once: true });
    const key = `events:${assistantId}`;
    let last = afterId;
    try {
      for (;;) {
        if (signal.aborted) return;
        const read = (await conn.xread(
          'COUNT',
          200,
          'BLOCK',
          Math.min(this.leaseMs, 1000),
          'STREAMS',
          key,
          `0-${last}`,
        )) as Array<[string, Array<[string, string[]]>]> | null;
        if (!read) {
          if (!(await this.redis.exists(key))) return;
          // Nothing new for a while: if the producing replica died, store its answer and close the stream.
          await this.onLost?.();
          continue;
        }
        for (const entry of read[0][1]) {
          for (const event of toEvents(entry)) {
            // An entry holds a turn's events: those up to the resume point were seen already.
            if (event.id <= last) continue;
            last = event.id;
            yield event;
            if (isTerminal(event.part)) return;
          }
        }
      }
    } catch (err) {
      if (!signal.aborted) throw err;
    } finally {
      signal.removeEventListener('abort', hangUp);
      conn.disconnect();
    }
  }

  async events(assistantId: string): Promise<BufferedEvent[]> {
    const entries = (await this.redis.xrange(`events:${assistantId}`, '-', '+')) as Array<[string, string[]]>;
    return entries.flatMap(toEvents);
  }

  async claimLost(sessionId?: string): Promise<AnswerMeta[]> {
    const expired = await this.redis.zrangebyscore(REDIS_KEYS.live, '-inf', Date.now(), 'LIMIT', 0, 100);
    const claimed: AnswerMeta[] = [];
    for (const member of expired) {
      const meta = JSON.parse(member) as AnswerMeta;
      if (sessionId && meta.sessionId !== sessionId) continue;
      // ZREM answers 1 to exactly one caller: that replica stores the answer.
      if ((await this.redis.zrem(REDIS_KEYS.live, member)) === 1) claimed.push(meta);
    }
    return claimed;
  }

  async appendClosing(assistantId: string, events: BufferedEvent[]): Promise<void> {
    const key = `events:${assistantId}`;
    const tx = this.redis.multi();
    for (const e of events) tx.xadd(key, `0-${e.id}`, String(e.id), JSON.stringify(e.part));
    tx.pexpire(key, this.keepMs);
    await tx.exec();
  }

  async close(): Promise<void> {
    this.subscriber.disconnect();
  }
}

/** An entry's events: its fields name each by id (a field `p` is the one event of an entry written before batching, numbered by the entry). */
function toEvents([entryId, fields]: [string, string[]]): BufferedEvent[] {
  const events: BufferedEvent[] = [];
  for (let i = 0; i < fields.length; i += 2) {
    const id = fields[i] === 'p' ? Number(entryId.slice(entryId.indexOf('-') + 1)) : Number(fields[i]);
    events.push({ id, part: JSON.parse(fields[i + 1]) as UiPart });
  }
  return events;
}
