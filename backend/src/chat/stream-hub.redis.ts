import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { KnownWindows } from '../sessions/known-windows.js';
import {
  type AnswerMeta,
  type AnswerState,
  type BufferedEvent,
  type InFlightAnswer,
  isTerminal,
  StreamHub,
  TAKEN_OVER,
  type UiPart,
} from './stream-hub.js';

/** Extends the lock only while it is still ours (the token is the fence against a holder that lost it). */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Several replicas over one Redis (all keys under REDIS_KEY_PREFIX):
 * - `lock:<session>`: whose turn it is (SET NX with a lease, renewed while the send runs);
 * - `answer:<session>`: the session's latest answer (JSON AnswerMeta);
 * - `events:<assistant id>`: a Redis Stream of the answer's SSE events: one entry per answer per
 *   event-loop turn, its id `0-<last event id>`, its fields `<event id> <event JSON>` pairs;
 * - `live`: sorted set of in-flight answers (member: their meta) scored by lease expiry;
 * - channel `<prefix>stop`: assistant ids to stop, heard by every replica;
 * - channel `<prefix>windows`: `<replica> <session>`, a session a replica changed (the others
 *   forget the memory window they remembered of it, see KnownWindows).
 */
export class RedisStreamHub extends StreamHub {
  private readonly logger = new Logger('StreamHub');
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

  /** `known`: this replica's remembered windows, forgotten when another replica announces a change to their session. */
  static async create(
    redis: Redis,
    prefix: string,
    leaseMs: number,
    keepMs: number,
    known?: KnownWindows,
  ): Promise<RedisStreamHub> {
    const hub = new RedisStreamHub(redis, prefix, leaseMs, keepMs);
    const windowsChannel = `${prefix}windows`;
    // A replica hears its own announcements too; they name it, so it leaves its own windows be.
    const replica = randomUUID();
    hub.subscriber.on('message', (channel: string, message: string) => {
      if (channel === hub.stopChannel) hub.abortLocalAnswer(message, 'stopped');
      else if (channel === windowsChannel && !message.startsWith(replica)) {
        known?.forgetAnnounced(message.slice(message.indexOf(' ') + 1));
      }
    });
    await hub.subscriber.subscribe(hub.stopChannel, windowsChannel);
    known?.announceTo((sessionId) => {
      redis.publish(windowsChannel, `${replica} ${sessionId}`).catch((err: unknown) => {
        hub.logger.warn({ err }, 'could not announce a changed session');
      });
    });
    return hub;
  }

  /** Across replicas the Redis lock decides. */
  protected async takeTurn<T>(sessionId: string, fn: (latestAnswerId?: string | null) => Promise<T>): Promise<T> {
    const key = `lock:${sessionId}`;
    const token = randomUUID();
    let wait = 2;
    let expired: Promise<string[]>;
    let latest: Promise<string | null>;
    for (;;) {
      // Sent together, so one round trip: Redis runs them in this order, so what the others
      // read is what the lock's holder would read right after taking it.
      const locked = this.redis.set(key, token, 'PX', this.leaseMs, 'NX');
      expired = this.redis.zrangebyscore('live', '-inf', Date.now(), 'LIMIT', 0, 100);
      latest = this.redis.get(`answer:${sessionId}`);
      if ((await locked) === 'OK') break;
      expired.catch(() => undefined);
      latest.catch(() => undefined);
      await sleep(wait);
      wait = Math.min(wait * 2, 40);
    }
    const renew = setInterval(() => {
      this.redis.eval(RENEW, 1, key, token, this.leaseMs).catch((err: unknown) => {
        this.logger.warn({ err }, 'could not renew a session lock');
      });
    }, this.leaseMs / 3);
    renew.unref();
    try {
      // A dead replica's answer in this session is stored before this turn's question.
      const lost = (await expired).some((member) => (JSON.parse(member) as AnswerMeta).sessionId === sessionId);
      if (lost) await this.onLost?.(sessionId);
      const pointer = await latest;
      return await fn(pointer ? (JSON.parse(pointer) as AnswerMeta).assistantId : null);
    } finally {
      clearInterval(renew);
      // Not awaited: the next command on this connection (the next turn's SET) queues behind it.
      this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    }
  }

  begin(meta: AnswerMeta, abort: AbortController): InFlightAnswer {
    const member = JSON.stringify(meta);
    const events = `events:${meta.assistantId}`;
    const pointer = `answer:${meta.sessionId}`;
    const alive = this.leaseMs + this.keepMs;
    const fail = (err: unknown) => this.logger.warn({ err }, 'redis write for an answer failed');
    this.redis
      .multi()
      .set(pointer, member, 'PX', alive)
      .zadd('live', Date.now() + this.leaseMs, member)
      .exec()
      .catch(fail);
    const renew = setInterval(() => {
      this.redis
        .multi()
        .zadd('live', 'XX', 'CH', Date.now() + this.leaseMs, member)
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
          .zrem('live', member)
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
   * bytes; bench/README.md): the answers' streams batch their deltas on one shared clock, so a
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
    const raw = await this.redis.get(`answer:${sessionId}`);
    if (!raw) return undefined;
    const meta = JSON.parse(raw) as AnswerMeta;
    const [[, lastEntries], [, score]] = (await this.redis
      .multi()
      .xrevrange(`events:${meta.assistantId}`, '+', '-', 'COUNT', 1)
      .zscore('live', raw)
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
    const expired = await this.redis.zrangebyscore('live', '-inf', Date.now(), 'LIMIT', 0, 100);
    const claimed: AnswerMeta[] = [];
    for (const member of expired) {
      const meta = JSON.parse(member) as AnswerMeta;
      if (sessionId && meta.sessionId !== sessionId) continue;
      // ZREM answers 1 to exactly one caller: that replica stores the answer.
      if ((await this.redis.zrem('live', member)) === 1) claimed.push(meta);
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
