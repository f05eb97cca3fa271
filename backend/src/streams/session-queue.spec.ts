import { SessionQueue } from './session-queue.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

/** Enters the queue, notes in `log` when it starts and ends with a pause between, then lets the next in. */
const jobsLogging = (queue: SessionQueue, log: string[]) => async (sessionId: string, name: string) => {
  const leave = await queue.enter(sessionId);
  try {
    log.push(`${name}:start`);
    await tick();
    log.push(`${name}:end`);
    return name;
  } finally {
    leave();
  }
};

describe('SessionQueue', () => {
  it('lets work for one session in strictly one after another, in arrival order', async () => {
    const queue = new SessionQueue();
    const log: string[] = [];
    const job = jobsLogging(queue, log);
    const results = await Promise.all([job('s1', 'a'), job('s1', 'b'), job('s1', 'c')]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('lets different sessions run at the same time', async () => {
    const queue = new SessionQueue();
    const log: string[] = [];
    const job = jobsLogging(queue, log);
    await Promise.all([job('s1', 'a'), job('s2', 'b')]);
    expect(log.slice(0, 2).sort()).toEqual(['a:start', 'b:start']);
  });

  it('lets the next in after a failed one left', async () => {
    const queue = new SessionQueue();
    const failed = (async () => {
      const leave = await queue.enter('s1');
      try {
        throw new Error('boom');
      } finally {
        leave();
      }
    })();
    const next = queue.enter('s1').then((leave) => (leave(), 'ok'));
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
