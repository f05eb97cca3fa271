import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import type { AnalyticsBucketDto, AnalyticsDto } from './dto/analytics.dto.js';
import type { AnalyticsQuery } from './dto/analytics.query.js';
import { AnalyticsRepository, type NumbersRow } from './analytics.repository.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The longest range per bucket size: a chart of at most ~750 hours or 400 days. */
const MAX_RANGE = { hour: 31 * DAY, day: 400 * DAY };
const CONVERSATION_LIMIT = 500;

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const ms = (v: number | null) => (v === null ? null : Math.round(v));

/** A plain object (spread into each bucket), shaped as AnalyticsNumbersDto. */
function numbers(row: NumbersRow | undefined): Omit<AnalyticsBucketDto, 'at'> {
  const r =
    row ??
    ({
      questions: 0,
      answers: 0,
      active_users: 0,
      active_sessions: 0,
      new_sessions: 0,
      prompt_tokens: 0,
      completion_tokens: 0,
      errors: 0,
      ttft_ms_p50: null,
      ttft_ms_p95: null,
      latency_ms_p50: null,
      latency_ms_p95: null,
    } satisfies Omit<NumbersRow, 'bucket'>);
  return {
    messages: r.questions + r.answers,
    questions: r.questions,
    answers: r.answers,
    active_users: r.active_users,
    active_sessions: r.active_sessions,
    new_sessions: r.new_sessions,
    prompt_tokens: r.prompt_tokens,
    completion_tokens: r.completion_tokens,
    tokens: r.prompt_tokens + r.completion_tokens,
    errors: r.errors,
    error_rate: ratio(r.errors, r.answers + r.errors),
    ttft_ms_p50: ms(r.ttft_ms_p50),
    ttft_ms_p95: ms(r.ttft_ms_p95),
    latency_ms_p50: ms(r.latency_ms_p50),
    latency_ms_p95: ms(r.latency_ms_p95),
  };
}

const invalidRange = (field: string, message: string) =>
  new AppError('VALIDATION_FAILED', message, { field, errors: [{ field, code: 'range', message }] });

/** The site's numbers for a range: what the dashboard draws. Read as the service role (all users). */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly analytics: AnalyticsRepository,
  ) {}

  async report(query: AnalyticsQuery): Promise<AnalyticsDto> {
    const { bucket } = query;
    const to = query.to ? new Date(query.to) : new Date();
    const from = query.from ? new Date(query.from) : new Date(to.getTime() - 7 * DAY);
    if (from >= to) throw invalidRange('from', '`from` must be before `to`.');
    if (to.getTime() - from.getTime() > MAX_RANGE[bucket]) {
      throw invalidRange('from', `A range of ${bucket} buckets may span at most ${MAX_RANGE[bucket] / DAY} days.`);
    }
    const withTitles = this.config.admin.canReadConversations;
    const [rows, details] = await Promise.all([
      this.analytics.numbers(this.db, from, to, bucket),
      this.analytics.details(this.db, from, to, withTitles),
    ]);
    const byBucket = new Map(rows.filter((r) => r.bucket).map((r) => [new Date(r.bucket as Date).getTime(), r]));
    const step = bucket === 'hour' ? HOUR : DAY;
    const series: AnalyticsBucketDto[] = [];
    // Every bucket the range touches, idle ones as zeros, so a chart's x axis is the range.
    for (let at = Math.floor(from.getTime() / step) * step; at < to.getTime(); at += step) {
      series.push({ at: new Date(at).toISOString(), ...numbers(byBucket.get(at)) });
    }
    const { up, down } = details.feedback;
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      bucket,
      totals: numbers(rows.find((r) => r.bucket === null)),
      series,
      errors_by_code: details.errors_by_code,
      feedback: { up, down, ratio: ratio(up, up + down) },
      top_sessions: details.top_sessions.map((t) => (withTitles ? t : { ...t, title: undefined })),
      conversations_visible: withTitles,
    };
  }

  /** A session's messages, only where the settings let admins read conversations. */
  async conversation(sessionId: string) {
    if (!this.config.admin.canReadConversations) {
      throw new AppError(
        'CONVERSATIONS_HIDDEN',
        "Conversations' text is not shown to admins on this server (ADMIN_CAN_READ_CONVERSATIONS=false).",
      );
    }
    const messages = await this.analytics.conversation(this.db, sessionId, CONVERSATION_LIMIT);
    if (messages.length === 0) throw new AppError('SESSION_NOT_FOUND', 'No such session, or it has no messages.');
    return { session_id: sessionId, messages };
  }
}
