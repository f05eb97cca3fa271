import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';

/** After the drain limit, how long interrupted sends get to store their partial answers. */
const SETTLE_MS = 1500;

/**
 * Lets open sends finish on SIGTERM, but only for SHUTDOWN_DRAIN_SECONDS: an answer can
 * stream for longer than an orchestrator's stop grace period (Docker's is 10 s), after
 * which the process is killed and the answers lost. At the limit the sends still open are
 * ended as a client abort ends them: the partial answer is stored as interrupted and the
 * stream closes cleanly. The HTTP server only closes after this hook, so it does not
 * wait on them any longer.
 */
@Injectable()
export class SendDrain implements BeforeApplicationShutdown {
  private readonly logger = new Logger(SendDrain.name);
  private readonly shutdown = new AbortController();
  private open = 0;
  private idle?: () => void;

  constructor(private readonly config: AppConfig) {}

  /** Aborted when the drain limit passes; combine it with the client's own signal. */
  get signal(): AbortSignal {
    return this.shutdown.signal;
  }

  async track<T>(work: () => Promise<T>): Promise<T> {
    this.open += 1;
    try {
      return await work();
    } finally {
      this.open -= 1;
      if (this.open === 0) this.idle?.();
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.open === 0) return;
    const limitMs = this.config.env.SHUTDOWN_DRAIN_SECONDS * 1000;
    this.logger.log(`waiting up to ${limitMs} ms for ${this.open} open send(s)`);
    if (await this.drained(limitMs)) return;
    this.logger.warn(`ending ${this.open} send(s) still open after ${limitMs} ms as interrupted`);
    this.shutdown.abort();
    await this.drained(SETTLE_MS);
  }

  private drained(ms: number): Promise<boolean> {
    if (this.open === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), ms);
      this.idle = () => {
        clearTimeout(timer);
        resolve(true);
      };
    });
  }
}
