import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from '../database/database.js';
import { EXPIRED_TEXT, ToolWaits } from './tool-waits.js';
import { ToolWaitsRepository } from './tool-waits.repository.js';

const EVERY_MS = 15_000;
const BATCH = 100;

/**
 * Ends the waits of answers whose page never answered, once TOOL_RESULT_TIMEOUT_SECONDS passed:
 * their calls are stored as failed ("The page did not answer in time."), and a late result is 409.
 */
@Injectable()
export class ToolWaitsJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ToolWaitsJanitor.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly waits: ToolWaitsRepository,
    private readonly toolWaits: ToolWaits,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.sweep(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** Ends every expired wait (each in its user's own transaction); the count ended. */
  async sweep(): Promise<number> {
    let ended = 0;
    try {
      for (const wait of await this.waits.expired(this.db, BATCH)) {
        await this.db.asUser(wait.user_id, async (tx) => {
          // Answered meanwhile, or moved on to a next round: the lock re-reads it.
          const current = await this.waits.lock(tx, wait.session_id, wait.message_id);
          if (!current || current.deadline.getTime() > Date.now()) return;
          await this.toolWaits.endWait(tx, wait.session_id, wait.message_id, EXPIRED_TEXT);
          ended += 1;
        });
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not end the expired waits for tool results');
    }
    return ended;
  }
}
