import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user.js';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import type { UsageDayDto, UsageDto } from './dto/usage.dto.js';
import { type UsageDayRow, UsageRepository } from './usage.repository.js';

const HISTORY_DAYS = 30;

const utcDay = (d: Date) => d.toISOString().slice(0, 10);

function dayDto(row: UsageDayRow): UsageDayDto {
  return { ...row, total_tokens: row.prompt_tokens + row.completion_tokens };
}

/**
 * A user's use per day and what their quotas leave them. The counting itself is done by the
 * database's triggers, in the transactions that store the messages (migration _usage.sql).
 */
@Injectable()
export class UsageService implements OnModuleInit {
  private readonly logger = new Logger(UsageService.name);

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly usage: UsageRepository,
  ) {}

  /** The database enforces the quotas of this replica's settings (every replica runs the same). */
  async onModuleInit(): Promise<void> {
    await this.usage.setQuotas(this.db, this.config.quotas);
  }

  async forUser(user: AuthUser): Promise<UsageDto> {
    const rows = await this.db.asUser(user.id, (tx) => this.usage.days(tx, user.id, HISTORY_DAYS));
    const now = new Date();
    const todayKey = utcDay(now);
    const todayRow = rows.find((r) => r.day === todayKey);
    const today = dayDto(
      todayRow ?? { day: todayKey, messages: 0, answers: 0, prompt_tokens: 0, completion_tokens: 0 },
    );
    const { messagesPerDay, tokensPerDay } = this.config.quotas;
    const midnight = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1));
    return {
      today,
      days: rows.map(dayDto),
      quota: {
        messages_per_day: messagesPerDay,
        tokens_per_day: tokensPerDay,
        messages_left: messagesPerDay ? Math.max(0, messagesPerDay - today.messages) : null,
        tokens_left: tokensPerDay ? Math.max(0, tokensPerDay - today.total_tokens) : null,
        resets_at: midnight.toISOString().replace('.000Z', 'Z'),
      },
    };
  }

  /** Counted for the analytics' error rates; a failure to count is logged, never the send's problem. */
  recordSendError(userId: string, sessionId: string | undefined, code: string): void {
    this.usage.recordError(this.db, userId, sessionId, code).catch((err: unknown) => {
      this.logger.warn({ err, code }, 'could not record a failed send for the analytics');
    });
  }
}
