import { eventually } from '@pulse/testkit';
import { jest } from '@jest/globals';
import { Redis } from 'ioredis';
import { KnownWindows, type KnownWindow } from '../sessions/known-windows.js';
import { RedisStreamHub } from './stream-hub.redis.js';
import { TAKEN_OVER, type AnswerMeta, type BufferedEvent } from './stream-hub.js';

/** Two hubs on one Redis stand for two replicas; the key prefix is this run's own. */
describe('RedisStreamHub (two replicas on the machine’s Redis)', () => {
  const prefix = `pulse-unit-${process.pid}-${Date.now()}:`;
  let redisA: Redis;
  let redisB: Redis;
  let a: RedisStreamHub;
  let b: RedisStreamHub;
  const knownA = new KnownWindows();
  const knownB = new KnownWindows();

  beforeAll(async () => {
    redisA = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix });
    redisB = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix });
    a = await RedisStreamHub.create(redisA, prefix, 1000, 5000, knownA);
    b = await RedisStreamHub.create(redisB, prefix, 1000, 5000, knownB);
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

  it('runs turns of one session one at a time across replicas, in any interleaving', async () => {
    const order: string[] = [];
    let inside = 0;
    let most = 0;
    const turn = (hub: RedisStreamHub, name: string) =>
      hub.turn('s-order', async () => {
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
    const note = (hub: RedisStreamHub) => hub.turn('s-latest', async (latest) => void seen.push(latest));
    await note(a);
    await a.turn('s-latest', async () => {
      const answer = a.begin(meta('s-latest', 'answer-a'), new AbortController());
      await answer.end();
    });
    await note(b);
    await b.turn('s-latest', async () => {
      const answer = b.begin(meta('s-latest', 'answer-b'), new AbortController());
      await answer.end();
    });
    await note(a);
    expect(seen).toEqual([null, 'answer-a', 'answer-b']);
  });

  it('runs a turn\u2019s `before` while another replica still holds the session, and `fn` only once it has it', async () => {
    // Another replica's send is under way in the session.
    await redisB.set('lock:s-before', 'another replica', 'PX', 5000);
    const order: string[] = [];
    let beforeRan!: () => void;
    const ran = new Promise<void>((resolve) => (beforeRan = resolve));
    const turn = a.turn(
      's-before',
      async () => void order.push('fn'),
      async () => {
        order.push('before');
        beforeRan();
      },
    );
    await ran;
    expect(await redisB.get('lock:s-before')).toBe('another replica');
    expect(order).toEqual(['before']);

    await redisB.del('lock:s-before');
    await turn;
    expect(order).toEqual(['before', 'fn']);
  });

  it('tells the other replicas which sessions it changed, so they forget their windows of them', async () => {
    const window = (leafId: string): KnownWindow => ({ userId: 'u', leafId, systemPrompt: null, turns: [] });
    // Every subscriber hears the announcements in the order Redis took them.
    const sizeIs = (known: KnownWindows, size: number) =>
      eventually(`${size} sessions known`, () => known.size === size);
    knownA.remember('s-marker-1', window('m1'));
    // B stored the last answer of one session, and knows another.
    knownB.remember('s-answered', window('answer-b'));
    knownB.remember('s-edited', window('answer-b2'));
    // A forgets its marker only on B's word, so it has heard B's announcements before it too.
    knownB.forget('s-marker-1');
    await sizeIs(knownA, 0);

    // A stores a later answer in the first session, and edits the second.
    knownA.remember('s-answered', window('answer-a'));
    knownA.forget('s-edited');
    knownA.remember('s-marker-2', window('m2'));
    await sizeIs(knownB, 0);

    // A heard its own announcements (before B's word on its marker) and kept its window.
    knownB.forget('s-marker-2');
    await sizeIs(knownA, 1);
    expect(knownA.take('s-answered', 'u')?.leafId).toBe('answer-a');

    // An answer that extends the window A remembered is not announced (nobody else holds one).
    knownB.remember('s-quiet', window('answer-b3'));
    knownB.remember('s-marker-3', window('m3'));
    knownA.remember('s-quiet', window('answer-a3'), { announce: false });
    knownA.forget('s-marker-3');
    await sizeIs(knownB, 1);
    expect(knownB.take('s-quiet', 'u')?.leafId).toBe('answer-b3');
  });

  it('keeps a turn held longer than its lease (it is renewed), then hands it on', async () => {
    let bEntered = 0;
    let released = 0;
    let other: Promise<void> | undefined;
    await a.turn('s-lease', async () => {
      other = b.turn('s-lease', async () => {
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

  it('hands a lost answer (lease lapsed) to exactly one replica, and a resumer sees its events after an id', async () => {
    // A third replica writes an answer's first events, then is gone: its entry in `live` lapses.
    const abort = new AbortController();
    const deadRedis = new Redis('redis://127.0.0.1:6379', { keyPrefix: prefix });
    const dead = await RedisStreamHub.create(deadRedis, prefix, 200, 5000);
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
});
