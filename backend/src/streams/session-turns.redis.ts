import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AnswerMeta } from './live-answers.js';
import { REDIS_KEYS } from './live-answers.redis.js';
import { SessionTurns, type SharedTurn } from './session-turns.js';

/** Extends the lock only while it is still ours (the token is the fence against a holder that lost it). */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/**
 * Across replicas a Redis lock decides: `lock:<session>`, SET NX with a lease, renewed while the
 * send runs. The same round trip reads what the lock's holder needs next: the session's latest
 * answer and whether one of its answers lost its replica (RedisLiveAnswers' keys).
 */
export class RedisSessionTurns extends SessionTurns {
  private readonly logger = new Logger(RedisSessionTurns.name);

  constructor(
    private readonly redis: Redis,
    private readonly leaseMs: number,
  ) {
    super();
  }

  protected async lock(sessionId: string): Promise<SharedTurn & { release: () => void }> {
    const key = REDIS_KEYS.lock(sessionId);
    const token = randomUUID();
    let wait = 2;
    let expired: Promise<string[]>;
    let latest: Promise<string | null>;
    for (;;) {
      // Sent together, so one round trip: Redis runs them in this order, so what the others
      // read is what the lock's holder would read right after taking it.
      const locked = this.redis.set(key, token, 'PX', this.leaseMs, 'NX');
      expired = this.redis.zrangebyscore(REDIS_KEYS.live, '-inf', Date.now(), 'LIMIT', 0, 100);
      latest = this.redis.get(REDIS_KEYS.answer(sessionId));
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
    const release = () => {
      clearInterval(renew);
      // Not awaited: the next command on this connection (the next turn's SET) queues behind it.
      this.redis.eval(RELEASE, 1, key, token).catch(() => undefined);
    };
    try {
      const lostAnswer = (await expired).some((member) => (JSON.parse(member) as AnswerMeta).sessionId === sessionId);
      const pointer = await latest;
      return {
        lostAnswer,
        latestAnswerId: pointer ? (JSON.parse(pointer) as AnswerMeta).assistantId : null,
        release,
      };
    } catch (err) {
      release();
      throw err;
    }
  }
}
