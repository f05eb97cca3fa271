import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { SendRequestsRepository } from '../sessions/send-requests.repository.js';

const EVERY_MS = 60 * 60 * 1000;

/** Keeps the idempotency ledger from growing forever: keys expire after IDEMPOTENCY_KEY_TTL_HOURS. */
@Injectable()
export class SendRequestsJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(SendRequestsJanitor.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly sendRequests: SendRequestsRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.purge(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async purge(): Promise<number> {
    try {
      return await this.sendRequests.purgeOlderThan(this.db, this.config.chat.idempotencyKeyTtlHours);
    } catch (err) {
      this.logger.warn({ err }, 'could not purge expired idempotency keys');
      return 0;
    }
  }
}
