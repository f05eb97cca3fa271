import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { RedisLiveAnswers } from './live-answers.redis.js';
import { TAKEN_OVER, type AnswerMeta, type BufferedEvent } from './live-answers.js';
import type { SessionTurns, SharedTurn } from './session-turns.js';
import { RedisSessionTurns } from './session-turns.redis.js';

/** A send's turn: the process's queue, then the replicas' lock, then `fn`, then the next one in. */
async function inTurn<T>(turns: SessionTurns, sessionId: string, fn: (shared: SharedTurn) => Promise<T>): Promise<T> {
  const turn = await turns.enter(sessionId);
  try {
    return await fn(await turn.lock());
  } finally {
    turn.release();
  }
}

/** Two instances on one Redis stand for two replicas; the key prefix is this run's own. */
describe('RedisLiveAnswers and RedisSessionTurns (two replicas on the machine’s Redis)', () => {
  const prefix = `pulse-unit-${process.pid}-${Date.now()}:`;
  let redisA: Redis;
  let redisB: Redis;
  let a: RedisLiveAnswers;
  let b: RedisLiveAnswers;
  let turnsA: RedisSessionTurns;
  let turnsB: RedisSessionTurns;

  beforeAll(async () => {
    redisA = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix });
    redisB = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix });
    a = await RedisLiveAnswers.create(redisA, prefix, 1000, 5000);
    b = await RedisLiveAnswers.create(redisB, prefix, 1000, 5000);
    turnsA = new RedisSessionTurns(redisA, 1000);
    turnsB = new RedisSessionTurns(redisB, 1000);
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    const keys = await redisA.keys(`${prefix}*`);
    if (keys.length) await redisA.del(...keys.map((k) => k.slice(prefix.length)));
    redisA.disconnect();
    redisB.disconnect();
  });

  const meta = (sessionId: string, assistantId: string): AnswerMeta => ({
    sessionId,
    assistantId,
    userId: 'u',
    userMessageId: 'q',
    streamed: true,
  });

  it('hands a lost answer (lease lapsed) to exactly one replica, and a resumer sees its events after an id', async () => {
    // A third replica writes an answer's first events, then is gone: its entry in `live` lapses.
    const abort = new AbortController();
    const deadRedis = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix });
    const dead = await RedisLiveAnswers.create(deadRedis, prefix, 200, 5000);
    const answer = dead.begin(meta('s-lost', 'a-lost'), abort);
    await answer.append(1, { type: 'start' });
    await answer.append(2, { type: 'text-delta', delta: 'Hel' });
    await answer.append(3, { type: 'text-delta', delta: 'lo' });
    await answer.end();
    await dead.close();
    deadRedis.disconnect();
    await redisA.zadd('live', Date.now() - 1, JSON.stringify(meta('s-lost', 'a-lost')));

    const [fromA, fromB] = await Promise.all([a.claimLost('s-lost'), b.claimLost('s-lost')]);
    expect(fromA.length + fromB.length).toBe(1);

    const seen: BufferedEvent[] = [];
    const follower = (async () => {
      for await (const e of b.follow('a-lost', 1, new AbortController().signal)) seen.push(e);
    })();
    await a.appendClosing('a-lost', [{ id: 4, part: { type: 'error', errorText: 'lost' } }]);
    await follower;
    expect(seen.map((e) => e.id)).toEqual([2, 3, 4]);
  });

  it('aborts its own answer once another replica has taken it over, so the partial is not stored twice', async () => {
    const abort = new AbortController();
    const answer = a.begin(meta('s-taken', 'a-taken'), abort);
    await answer.append(1, { type: 'start' });
    // Another replica found the lease run out (this one stalled) and claimed the answer.
    await redisB.zadd('live', Date.now() - 1, JSON.stringify(meta('s-taken', 'a-taken')));
    expect(await b.claimLost('s-taken')).toHaveLength(1);
    // The next renewal (every lease/3) finds the answer gone from the live set.
    await new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
    expect(abort.signal.reason).toBe(TAKEN_OVER);
    await answer.end();
  });

  it('sends the appends of one turn, from every answer, to Redis in one pipeline, with the stream expiring', async () => {
    const one = a.begin(meta('s-batch-1', 'a-batch-1'), new AbortController());
    const two = a.begin(meta('s-batch-2', 'a-batch-2'), new AbortController());
    const pipelines = jest.spyOn(redisA, 'pipeline');
    await Promise.all([
      one.append(1, { type: 'start' }),
      two.append(1, { type: 'start' }),
      one.append(2, { type: 'text-delta', delta: 'Hi' }),
      two.append(2, { type: 'text-delta', delta: 'Yo' }),
    ]);
    expect(pipelines).toHaveBeenCalledTimes(1);
    pipelines.mockRestore();
    expect((await a.events('a-batch-1')).map((e) => e.part)).toEqual([
      { type: 'start' },
      { type: 'text-delta', delta: 'Hi' },
    ]);
    // One entry per answer for the turn, named by its last event.
    expect((await redisA.xrange('events:a-batch-1', '-', '+')).map(([id]) => id)).toEqual(['0-2']);
    expect(await redisA.pttl('events:a-batch-2')).toBeGreaterThan(0);
    await one.end();
    await two.end();
  });

  it('resumes after an event in the middle of a turn\u2019s entry with only the events after it', async () => {
    const answer = a.begin(meta('s-mid', 'a-mid'), new AbortController());
    await Promise.all([
      answer.append(1, { type: 'start' }),
      answer.append(2, { type: 'text-delta', delta: 'Hel' }),
      answer.append(3, { type: 'text-delta', delta: 'lo' }),
    ]);
    await answer.append(4, { type: 'text-delta', delta: '!' });
    await answer.append(5, { type: 'finish' });
    const seen: number[] = [];
    for await (const e of b.follow('a-mid', 2, new AbortController().signal)) seen.push(e.id);
    expect(seen).toEqual([3, 4, 5]);
    expect((await b.latest('s-mid'))?.lastId).toBe(5);
    expect((await b.events('a-mid')).map((e) => e.id)).toEqual([1, 2, 3, 4, 5]);
    await answer.end();
  });

  it('reads an entry written before entries were batched (one event, field `p`, numbered by the entry)', async () => {
    await redisA.xadd('events:a-old', '0-1', 'p', JSON.stringify({ type: 'start' }));
    await redisA.xadd('events:a-old', '0-2', 'p', JSON.stringify({ type: 'finish' }));
    expect(await a.events('a-old')).toEqual([
      { id: 1, part: { type: 'start' } },
      { id: 2, part: { type: 'finish' } },
    ]);
  });

  describe('turns', () => {
    it('runs turns of one session one at a time across replicas, in any interleaving', async () => {
      const order: string[] = [];
      let inside = 0;
      let most = 0;
      const turn = (turns: SessionTurns, name: string) =>
        inTurn(turns, 's-order', async () => {
          inside++;
          most = Math.max(most, inside);
          order.push(`${name}:in`);
          await new Promise((r) => setTimeout(r, 30));
          order.push(`${name}:out`);
          inside--;
        });
      await Promise.all([turn(turnsA, 'a1'), turn(turnsB, 'b1'), turn(turnsA, 'a2'), turn(turnsB, 'b2')]);
      expect(most).toBe(1);
      expect(order).toHaveLength(8);
    });

    it('tells a turn which answer of the session began last, whichever replica began it', async () => {
      const seen: Array<string | null | undefined> = [];
      const note = (turns: SessionTurns) =>
        inTurn(turns, 's-latest', async ({ latestAnswerId }) => void seen.push(latestAnswerId));
      await note(turnsA);
      await inTurn(turnsA, 's-latest', async () => {
        await a.begin(meta('s-latest', 'answer-a'), new AbortController()).end();
      });
      await note(turnsB);
      await inTurn(turnsB, 's-latest', async () => {
        await b.begin(meta('s-latest', 'answer-b'), new AbortController()).end();
      });
      await note(turnsA);
      expect(seen).toEqual([null, 'answer-a', 'answer-b']);
    });

    it('lets a send into its place while another replica still holds the session, and locks only once it has it', async () => {
      // Another replica's send is under way in the session.
      await redisB.set('lock:s-before', 'another replica', 'PX', 5000);
      const turn = await turnsA.enter('s-before');
      let locked = false;
      const lock = turn.lock().then(() => (locked = true));
      await new Promise((r) => setTimeout(r, 50));
      expect(locked).toBe(false);
      expect(await redisB.get('lock:s-before')).toBe('another replica');

      await redisB.del('lock:s-before');
      await lock;
      expect(await redisB.get('lock:s-before')).not.toBe('another replica');
      turn.release();
    });

    it('keeps a turn held longer than its lease (it is renewed), then hands it on', async () => {
      let bEntered = 0;
      let released = 0;
      let other: Promise<void> | undefined;
      await inTurn(turnsA, 's-lease', async () => {
        other = inTurn(turnsB, 's-lease', async () => {
          bEntered = Date.now();
        });
        // Held for 2.5 leases: renewals keep the other replica out.
        await new Promise((r) => setTimeout(r, 2500));
        expect(bEntered).toBe(0);
        released = Date.now();
      });
      await other;
      expect(bEntered).toBeGreaterThanOrEqual(released);
    });

    it('says when an answer of the session lost its replica (its lease lapsed)', async () => {
      // What a replica that died mid-answer leaves: its answer in `live` with a lease nobody renews.
      await redisA.zadd('live', Date.now() - 1, JSON.stringify(meta('s-dead', 'a-dead')));
      expect(await inTurn(turnsA, 's-alive', async ({ lostAnswer }) => lostAnswer)).toBe(false);
      expect(await inTurn(turnsA, 's-dead', async ({ lostAnswer }) => lostAnswer)).toBe(true);
      expect(await a.claimLost('s-dead')).toEqual([meta('s-dead', 'a-dead')]);
      expect(await inTurn(turnsA, 's-dead', async ({ lostAnswer }) => lostAnswer)).toBe(false);
    });
  });
});
