import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { WebhooksRepository } from './webhooks.repository.js';

const EVERY_MS = 60 * 60 * 1000;

/** Keeps the outbox from growing forever: delivered events go after WEBHOOK_RETENTION_DAYS. */
@Injectable()
export class WebhookRetentionJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookRetentionJanitor.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly webhooks: WebhooksRepository,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.webhooks.retentionDays === 0) return;
    this.timer = setInterval(() => void this.purge(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  /** The deliveries deleted (0 when retention is off or the purge failed, which is logged). */
  async purge(): Promise<number> {
    const days = this.config.webhooks.retentionDays;
    if (days === 0) return 0;
    try {
      return await this.webhooks.purgeDelivered(this.db, days);
    } catch (err) {
      this.logger.warn({ err }, 'could not purge old webhook deliveries');
      return 0;
    }
  }
}
