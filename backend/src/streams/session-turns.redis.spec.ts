import { Redis } from 'ioredis';
import { RedisLiveAnswers } from './live-answers.redis.js';
import type { AnswerMeta } from './live-answers.js';
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
describe('RedisSessionTurns (two replicas on the machine’s Redis)', () => {
  const prefix = `pulse-unit-turns-${process.pid}-${Date.now()}:`;
  let redisA: Redis;
  let redisB: Redis;
  let a: RedisSessionTurns;
  let b: RedisSessionTurns;
  let liveA: RedisLiveAnswers;
  let liveB: RedisLiveAnswers;

  beforeAll(async () => {
    redisA = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix });
    redisB = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix });
    a = new RedisSessionTurns(redisA, 1000);
    b = new RedisSessionTurns(redisB, 1000);
    liveA = await RedisLiveAnswers.create(redisA, prefix, 1000, 5000);
    liveB = await RedisLiveAnswers.create(redisB, prefix, 1000, 5000);
  });
  afterAll(async () => {
    await liveA.close();
    await liveB.close();
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
    await Promise.all([turn(a, 'a1'), turn(b, 'b1'), turn(a, 'a2'), turn(b, 'b2')]);
    expect(most).toBe(1);
    expect(order).toHaveLength(8);
  });

  it('tells a turn which answer of the session began last, whichever replica began it', async () => {
    const seen: Array<string | null | undefined> = [];
    const note = (turns: SessionTurns) =>
      inTurn(turns, 's-latest', async ({ latestAnswerId }) => void seen.push(latestAnswerId));
    await note(a);
    await inTurn(a, 's-latest', async () => {
      await liveA.begin(meta('s-latest', 'answer-a'), new AbortController()).end();
    });
    await note(b);
    await inTurn(b, 's-latest', async () => {
      await liveB.begin(meta('s-latest', 'answer-b'), new AbortController()).end();
    });
    await note(a);
    expect(seen).toEqual([null, 'answer-a', 'answer-b']);
  });

  it('lets a send into its place while another replica still holds the session, and locks only once it has it', async () => {
    // Another replica's send is under way in the session.
    await redisB.set('lock:s-before', 'another replica', 'PX', 5000);
    const turn = await a.enter('s-before');
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
    await inTurn(a, 's-lease', async () => {
      other = inTurn(b, 's-lease', async () => {
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
    expect(await inTurn(a, 's-alive', async ({ lostAnswer }) => lostAnswer)).toBe(false);
    expect(await inTurn(a, 's-dead', async ({ lostAnswer }) => lostAnswer)).toBe(true);
    expect(await liveA.claimLost('s-dead')).toEqual([meta('s-dead', 'a-dead')]);
    expect(await inTurn(a, 's-dead', async ({ lostAnswer }) => lostAnswer)).toBe(false);
  });
});
