import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from '../database/database.js';
import { AnalyticsRepository } from './analytics.repository.js';
import { closedUntil } from './analytics.service.js';

const EVERY_MS = 10 * 60 * 1000;

/**
 * Sums each hour into chat_activity_hours soon after it settles, so the dashboard's first request
 * after a quiet spell does not pay for it (the analytics also sum what is missing themselves).
 */
@Injectable()
export class ActivityHoursJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ActivityHoursJanitor.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    private readonly analytics: AnalyticsRepository,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.rollUp(), EVERY_MS);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  private async rollUp(): Promise<void> {
    try {
      await this.analytics.rollUp(this.db, closedUntil());
    } catch (err) {
      this.logger.warn({ err }, 'could not sum the last hours of activity');
    }
  }
}
