import { SessionQueue } from './session-queue.js';

const tick = () => new Promise((r) => setTimeout(r, 5));

/** Jobs that note in `log` when they start and end, with a pause between, and return their name. */
const jobsLogging = (log: string[]) => (name: string) => async () => {
  log.push(`${name}:start`);
  await tick();
  log.push(`${name}:end`);
  return name;
};

describe('SessionQueue', () => {
  it('runs work for one session strictly one after another', async () => {
    const queue = new SessionQueue();
    const log: string[] = [];
    const job = jobsLogging(log);
    const results = await Promise.all([
      queue.run('s1', job('a')),
      queue.run('s1', job('b')),
      queue.run('s1', job('c')),
    ]);
    expect(results).toEqual(['a', 'b', 'c']);
    expect(log).toEqual(['a:start', 'a:end', 'b:start', 'b:end', 'c:start', 'c:end']);
  });

  it('lets different sessions run at the same time', async () => {
    const queue = new SessionQueue();
    const log: string[] = [];
    const job = jobsLogging(log);
    await Promise.all([queue.run('s1', job('a')), queue.run('s2', job('b'))]);
    expect(log.slice(0, 2).sort()).toEqual(['a:start', 'b:start']);
  });

  it('keeps going after a failed job', async () => {
    const queue = new SessionQueue();
    const failed = queue.run('s1', async () => {
      throw new Error('boom');
    });
    const next = queue.run('s1', async () => 'ok');
    await expect(failed).rejects.toThrow('boom');
    await expect(next).resolves.toBe('ok');
  });
});
