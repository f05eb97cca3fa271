import { BackgroundJobs } from './background-jobs.js';

describe('BackgroundJobs', () => {
  it('runs a job without the caller waiting, and idle() waits for it', async () => {
    const jobs = new BackgroundJobs();
    let release!: () => void;
    let finished = false;
    jobs.run('test', async () => {
      await new Promise<void>((resolve) => (release = resolve));
      finished = true;
    });
    expect(finished).toBe(false);
    const idle = jobs.idle();
    release();
    await idle;
    expect(finished).toBe(true);
  });

  it('idle() also waits for a job that a job starts as it ends', async () => {
    const jobs = new BackgroundJobs();
    let followUpDone = false;
    jobs.run('first', async () => {
      await Promise.resolve();
      jobs.run('follow-up', async () => {
        await new Promise<void>((resolve) => setImmediate(resolve));
        followUpDone = true;
      });
    });
    await jobs.idle();
    expect(followUpDone).toBe(true);
  });

  it('keeps a failing job to itself', async () => {
    const jobs = new BackgroundJobs();
    jobs.run('test', () => Promise.reject(new Error('model down')));
    await expect(jobs.idle()).resolves.toBeUndefined();
  });

  it('on shutdown aborts the jobs under way, waits for them, and starts no new one', async () => {
    const jobs = new BackgroundJobs();
    let seen: AbortSignal | undefined;
    jobs.run('test', (signal) => {
      seen = signal;
      return new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
    });
    await jobs.beforeApplicationShutdown();
    expect(seen?.aborted).toBe(true);
    let started = false;
    jobs.run('late', async () => {
      started = true;
    });
    expect(started).toBe(false);
  });
});
