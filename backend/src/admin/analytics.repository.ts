import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';
import type { Histogram } from './latency-histogram.js';

/** One UTC hour of chat_activity, summed (public.chat_activity_hours / chat_activity_rollup). */
export interface HourRow {
  hour: Date;
  questions: number;
  answers: number;
  errors: number;
  new_sessions: number;
  prompt_tokens: number;
  completion_tokens: number;
  ttft_hist: Histogram;
  latency_hist: Histogram;
  errors_by_code: Record<string, number>;
}

/** Distinct active users per bucket; the row whose bucket is null counts the whole range. */
export interface ActiveUsersRow {
  bucket: Date | null;
  users: number;
}

export interface TopSessionRow {
  session_id: string;
  user_id: string;
  messages: number;
  last_message_at: string;
  title?: string | null;
}

const ORIGIN = `'2000-01-01T00:00:00Z'::timestamptz`;
const HOUR_COLUMNS = `hour, questions, answers, errors, new_sessions, prompt_tokens::float8 as prompt_tokens,
  completion_tokens::float8 as completion_tokens, ttft_hist, latency_hist, errors_by_code`;

/**
 * The analytics' SQL. Closed hours are summed once into chat_activity_hours and read from there;
 * only the open hours are summed live from chat_activity, so a range costs its hours, not its messages.
 */
@Injectable()
export class AnalyticsRepository {
  /**
   * Sums every hour before `closedUntil` not summed yet (from the last summed hour, or the first
   * activity). Replicas doing it at once agree: an hour summed twice is kept once.
   */
  async rollUp(db: Queryable, closedUntil: Date): Promise<void> {
    await db.query(
      `insert into public.chat_activity_hours
       select r.* from (
           select coalesce((select max(hour) + interval '1 hour' from public.chat_activity_hours),
                           (select date_bin('1 hour', min(at), ${ORIGIN}) from public.chat_activity)) as start
         ) s
         cross join lateral public.chat_activity_rollup(s.start, $1) r
        where s.start < $1
       on conflict (hour) do nothing`,
      [closedUntil],
    );
  }

  /** Every hour of [from, to): summed ones before `closedUntil`, the rest summed now. */
  async hours(db: Queryable, from: Date, to: Date, closedUntil: Date): Promise<HourRow[]> {
    const liveFrom = from > closedUntil ? from : closedUntil;
    const { rows } = await db.query<HourRow>(
      `select ${HOUR_COLUMNS} from public.chat_activity_hours where hour >= $1 and hour < $2 and hour < $3
       union all
       select ${HOUR_COLUMNS} from public.chat_activity_rollup($4, $3) where $4 < $3
       order by hour`,
      [from, closedUntil, to, liveFrom],
    );
    return rows;
  }

  /** Users who asked or were answered, per UTC day: the days' usage rows, one per active user. */
  async activeUsersByDay(db: Queryable, from: Date, to: Date): Promise<ActiveUsersRow[]> {
    const { rows } = await db.query<ActiveUsersRow>(
      `select day::timestamp at time zone 'UTC' as bucket, count(distinct user_id)::int as users
         from public.chat_usage_daily
        where day >= ($1::timestamptz at time zone 'UTC')::date and day < ($2::timestamptz at time zone 'UTC')::date + 1
        group by grouping sets ((day), ())`,
      [from, to],
    );
    return rows;
  }

  /** Users who asked or were answered, per UTC hour (hour buckets span at most a week). */
  async activeUsersByHour(db: Queryable, from: Date, to: Date): Promise<ActiveUsersRow[]> {
    const { rows } = await db.query<ActiveUsersRow>(
      `select date_bin('1 hour', at, ${ORIGIN}) as bucket, count(distinct user_id)::int as users
         from public.chat_activity
        where at >= $1 and at < $2 and kind in ('question', 'answer')
        group by grouping sets ((date_bin('1 hour', at, ${ORIGIN})), ())`,
      [from, to],
    );
    return rows;
  }

  /** The longest sessions that were active in the range (titled only when allowed). */
  async topSessions(db: Queryable, from: Date, to: Date, withTitles: boolean): Promise<TopSessionRow[]> {
    const { rows } = await db.query<TopSessionRow>(
      `select id as session_id, user_id, last_seq::int as messages,
              to_char(last_message_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as last_message_at,
              case when $3 then title end as title
         from public.chat_sessions
        where last_message_at >= $1 and last_message_at < $2
        order by last_seq desc, last_message_at desc
        limit 10`,
      [from, to, withTitles],
    );
    return rows;
  }

  /** Ratings given or changed in the range. */
  async feedback(db: Queryable, from: Date, to: Date): Promise<{ up: number; down: number }> {
    const { rows } = await db.query<{ up: number; down: number }>(
      `select count(*) filter (where rating = 'up')::int as up, count(*) filter (where rating = 'down')::int as down
         from public.chat_message_feedback where updated_at >= $1 and updated_at < $2`,
      [from, to],
    );
    return rows[0];
  }

  /** A session's messages for an admin (only with ADMIN_CAN_READ_CONVERSATIONS), oldest first. */
  async conversation(
    db: Queryable,
    sessionId: string,
    limit: number,
  ): Promise<{ id: string; role: string; content: string; created_at: string }[]> {
    const { rows } = await db.query<{ id: string; role: string; content: string; created_at: string }>(
      `select id, role, content, to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at
         from public.chat_messages where session_id = $1 order by seq limit $2`,
      [sessionId, limit],
    );
    return rows;
  }
}
