import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';

/**
 * Work a send starts after its answer is stored (a summary, a title) and nobody waits for. A
 * failure is logged, never shown: the answer is already the user's. On shutdown the jobs are
 * aborted and awaited, so none writes to a database that is closing; jobs that answers still
 * draining would start are not started (they are refinements the next send can redo).
 */
@Injectable()
export class BackgroundJobs implements BeforeApplicationShutdown {
  private readonly logger = new Logger(BackgroundJobs.name);
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();

  run(name: string, job: (signal: AbortSignal) => Promise<void>): void {
    if (this.abort.signal.aborted) return;
    const done: Promise<void> = job(this.abort.signal)
      .catch((err: unknown) => {
        if (this.abort.signal.aborted) return;
        // oxlint-disable-next-line typescript/no-base-to-string -- an Error or a string; String() gives its line.
        this.logger.warn({ job: name, cause: String(err) }, `Background ${name} failed`);
      })
      .finally(() => this.running.delete(done));
    this.running.add(done);
  }

  /** Resolves once every job started so far has ended; for tests. */
  async idle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled(this.running);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.abort.abort();
    await this.idle();
  }
}
