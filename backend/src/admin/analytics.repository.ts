import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';

export interface NumbersRow {
  /** null: the totals row (the empty grouping set). */
  bucket: Date | null;
  questions: number;
  answers: number;
  active_users: number;
  active_sessions: number;
  new_sessions: number;
  prompt_tokens: number;
  completion_tokens: number;
  errors: number;
  ttft_ms_p50: number | null;
  ttft_ms_p95: number | null;
  latency_ms_p50: number | null;
  latency_ms_p95: number | null;
}

export interface DetailsRow {
  errors_by_code: { code: string; count: number }[];
  top_sessions: {
    session_id: string;
    user_id: string;
    messages: number;
    last_message_at: string;
    title?: string | null;
  }[];
  feedback: { up: number; down: number };
}

/** Buckets start at UTC hours or days: date_bin from an origin at a UTC midnight. */
const ORIGIN = `'2000-01-01T00:00:00Z'::timestamptz`;

/**
 * The analytics' two statements, both over public.chat_activity's (at) index, which includes every
 * column they read: a range is an index-only scan of its rows, whatever the table's size.
 */
@Injectable()
export class AnalyticsRepository {
  /** Per bucket and for the whole range (the row whose bucket is null), in one pass. */
  async numbers(db: Queryable, from: Date, to: Date, bucket: 'hour' | 'day'): Promise<NumbersRow[]> {
    const { rows } = await db.query<NumbersRow>(
      `select date_bin($3::interval, at, ${ORIGIN}) as bucket,
              count(*) filter (where kind = 'question')::int as questions,
              count(*) filter (where kind = 'answer')::int as answers,
              count(distinct user_id) filter (where kind in ('question', 'answer'))::int as active_users,
              count(distinct session_id) filter (where kind in ('question', 'answer'))::int as active_sessions,
              count(*) filter (where kind = 'session')::int as new_sessions,
              coalesce(sum(prompt_tokens), 0)::float8 as prompt_tokens,
              coalesce(sum(completion_tokens), 0)::float8 as completion_tokens,
              count(*) filter (where kind = 'error')::int as errors,
              percentile_cont(0.5) within group (order by ttft_ms) filter (where kind = 'answer') as ttft_ms_p50,
              percentile_cont(0.95) within group (order by ttft_ms) filter (where kind = 'answer') as ttft_ms_p95,
              percentile_cont(0.5) within group (order by latency_ms) filter (where kind = 'answer') as latency_ms_p50,
              percentile_cont(0.95) within group (order by latency_ms) filter (where kind = 'answer') as latency_ms_p95
         from public.chat_activity
        where at >= $1 and at < $2
        group by grouping sets ((date_bin($3::interval, at, ${ORIGIN})), ())`,
      [from, to, bucket === 'hour' ? '1 hour' : '1 day'],
    );
    return rows;
  }

  /** Failed sends by code, the longest sessions of the range (titled when allowed), and ratings. */
  async details(db: Queryable, from: Date, to: Date, withTitles: boolean): Promise<DetailsRow> {
    const { rows } = await db.query<DetailsRow>(
      `select
         (select coalesce(json_agg(e order by e.count desc, e.code), '[]'::json) from (
            select code, count(*)::int as count from public.chat_activity
             where at >= $1 and at < $2 and kind = 'error' group by code) e) as errors_by_code,
         (select coalesce(json_agg(t order by t.messages desc, t.last_message_at desc), '[]'::json) from (
            select a.session_id, a.user_id, a.messages,
                   to_char(a.last_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as last_message_at,
                   case when $3 then s.title end as title
              from (select session_id, user_id, count(*)::int as messages, max(at) as last_at
                      from public.chat_activity
                     where at >= $1 and at < $2 and kind in ('question', 'answer')
                     group by session_id, user_id
                     order by messages desc, last_at desc
                     limit 10) a
              left join public.chat_sessions s on s.id = a.session_id) t) as top_sessions,
         (select json_build_object('up', count(*) filter (where rating = 'up'), 'down', count(*) filter (where rating = 'down'))
            from public.chat_message_feedback where updated_at >= $1 and updated_at < $2) as feedback`,
      [from, to, withTitles],
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
