import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';
import type { QuotasConfig } from '../config/app-config.js';

export interface UsageDayRow {
  day: string;
  messages: number;
  answers: number;
  prompt_tokens: number;
  completion_tokens: number;
}

/** SQL of usage, quotas and the activity log (the tables of migration 20261205000100_usage). */
@Injectable()
export class UsageRepository {
  /** The caller's last `days` UTC days, newest first (RLS keeps it to their own rows). */
  async days(tx: Queryable, userId: string, days: number): Promise<UsageDayRow[]> {
    const { rows } = await tx.query<UsageDayRow>(
      `select to_char(day, 'YYYY-MM-DD') as day, messages, answers,
              prompt_tokens::float8 as prompt_tokens, completion_tokens::float8 as completion_tokens
         from public.chat_usage_daily
        where user_id = $1 and day > (now() at time zone 'utc')::date - $2::int
        order by day desc`,
      [userId, days],
    );
    return rows;
  }

  /** The quotas the database enforces: Pulse's settings, written at start. */
  async setQuotas(db: Queryable, quotas: QuotasConfig): Promise<void> {
    await db.query(
      `insert into public.chat_quota_settings (id, messages_per_day, tokens_per_day) values (true, $1, $2)
       on conflict (id) do update set messages_per_day = excluded.messages_per_day, tokens_per_day = excluded.tokens_per_day`,
      [quotas.messagesPerDay, quotas.tokensPerDay],
    );
  }

  /** The regenerate's question, counted against the caller's quotas in their own transaction. */
  async admitRegenerate(tx: Queryable): Promise<void> {
    await tx.query('select public.chat_admit_regenerate()');
  }

  /** A send that failed, with its code, for the error rates of the analytics. */
  async recordError(db: Queryable, userId: string, sessionId: string | undefined, code: string): Promise<void> {
    await db.query(
      `insert into public.chat_activity (kind, user_id, session_id, code)
       select 'error', $1, $2, $3 where exists (select 1 from public.users where id = $1)`,
      [userId, sessionId ?? null, code],
    );
  }
}
