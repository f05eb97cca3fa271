import { Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import type { AnalyticsBucketDto, AnalyticsDto } from './dto/analytics.dto.js';
import type { AnalyticsQuery } from './dto/analytics.query.js';
import { type ActiveUsersRow, AnalyticsRepository, type HourRow } from './analytics.repository.js';
import { type Histogram, mergeInto, percentile } from './latency-histogram.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** The longest range per bucket size: a week of hours, or 400 days. */
const MAX_RANGE = { hour: 7 * DAY, day: 400 * DAY };
/**
 * An hour is summed for good once it ended this long ago: longer than any transaction that could
 * still commit a row dated inside it (statements time out after seconds, not minutes).
 */
const SETTLE_MS = 10 * 60_000;
const CONVERSATION_LIMIT = 500;

/** The end of the hours that are summed for good (see SETTLE_MS). */
export const closedUntil = (now = Date.now()) => new Date(floorTo(now - SETTLE_MS, HOUR));

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);
function floorTo(ms: number, step: number): number {
  return Math.floor(ms / step) * step;
}

/** Hours summed into one bucket (or the whole range). */
interface Sum {
  questions: number;
  answers: number;
  errors: number;
  new_sessions: number;
  prompt_tokens: number;
  completion_tokens: number;
  ttft: Histogram;
  latency: Histogram;
}

const emptySum = (): Sum => ({
  questions: 0,
  answers: 0,
  errors: 0,
  new_sessions: 0,
  prompt_tokens: 0,
  completion_tokens: 0,
  ttft: {},
  latency: {},
});

function add(sum: Sum, h: HourRow): void {
  sum.questions += h.questions;
  sum.answers += h.answers;
  sum.errors += h.errors;
  sum.new_sessions += h.new_sessions;
  sum.prompt_tokens += h.prompt_tokens;
  sum.completion_tokens += h.completion_tokens;
  mergeInto(sum.ttft, h.ttft_hist);
  mergeInto(sum.latency, h.latency_hist);
}

/** A bucket's numbers as the API gives them: a plain object, spread into each bucket. */
function numbers(s: Sum, activeUsers: number): Omit<AnalyticsBucketDto, 'at'> {
  return {
    messages: s.questions + s.answers,
    questions: s.questions,
    answers: s.answers,
    active_users: activeUsers,
    new_sessions: s.new_sessions,
    prompt_tokens: s.prompt_tokens,
    completion_tokens: s.completion_tokens,
    tokens: s.prompt_tokens + s.completion_tokens,
    errors: s.errors,
    error_rate: ratio(s.errors, s.answers + s.errors),
    ttft_ms_p50: percentile(s.ttft, 0.5),
    ttft_ms_p95: percentile(s.ttft, 0.95),
    latency_ms_p50: percentile(s.latency, 0.5),
    latency_ms_p95: percentile(s.latency, 0.95),
  };
}

const invalidRange = (field: string, message: string) =>
  new AppError('VALIDATION_FAILED', message, { field, errors: [{ field, code: 'range', message }] });

/**
 * The site's numbers for a range: what the dashboard draws. Read as the service role (all users),
 * from hourly sums, so a range costs its hours whatever the number of messages in it.
 */
@Injectable()
export class AnalyticsService {
  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly analytics: AnalyticsRepository,
  ) {}

  async report(query: AnalyticsQuery): Promise<AnalyticsDto> {
    const { bucket } = query;
    const step = bucket === 'hour' ? HOUR : DAY;
    const to = query.to ? new Date(query.to) : new Date();
    const asked = query.from ? new Date(query.from) : new Date(to.getTime() - 7 * DAY);
    if (asked >= to) throw invalidRange('from', '`from` must be before `to`.');
    if (to.getTime() - asked.getTime() > MAX_RANGE[bucket]) {
      throw invalidRange('from', `A range of ${bucket} buckets may span at most ${MAX_RANGE[bucket] / DAY} days.`);
    }
    // Whole buckets: the range starts where its first bucket does.
    const from = new Date(floorTo(asked.getTime(), step));
    const settled = closedUntil();
    await this.analytics.rollUp(this.db, settled);
    const withTitles = this.config.admin.canReadConversations;
    const [hours, users, top, feedback] = await Promise.all([
      this.analytics.hours(this.db, from, to, settled),
      bucket === 'hour'
        ? this.analytics.activeUsersByHour(this.db, from, to)
        : this.analytics.activeUsersByDay(this.db, from, to),
      this.analytics.topSessions(this.db, from, to, withTitles),
      this.analytics.feedback(this.db, from, to),
    ]);

    const buckets = new Map<number, Sum>();
    const total = emptySum();
    const codes = new Map<string, number>();
    for (const h of hours) {
      const at = floorTo(new Date(h.hour).getTime(), step);
      const sum = buckets.get(at) ?? emptySum();
      buckets.set(at, sum);
      add(sum, h);
      add(total, h);
      for (const [code, n] of Object.entries(h.errors_by_code)) codes.set(code, (codes.get(code) ?? 0) + n);
    }
    const usersAt = new Map(users.filter((u) => u.bucket).map((u) => [new Date(u.bucket as Date).getTime(), u.users]));
    const series: AnalyticsBucketDto[] = [];
    // Every bucket of the range, idle ones as zeros, so a chart's x axis is the range.
    for (let at = from.getTime(); at < to.getTime(); at += step) {
      series.push({ at: new Date(at).toISOString(), ...numbers(buckets.get(at) ?? emptySum(), usersAt.get(at) ?? 0) });
    }
    return {
      from: from.toISOString(),
      to: to.toISOString(),
      bucket,
      totals: numbers(total, totalUsers(users)),
      series,
      errors_by_code: [...codes]
        .map(([code, count]) => ({ code, count }))
        .sort((a, b) => b.count - a.count || a.code.localeCompare(b.code)),
      feedback: { ...feedback, ratio: ratio(feedback.up, feedback.up + feedback.down) },
      top_sessions: top.map((t) => (withTitles ? t : { ...t, title: undefined })),
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

function totalUsers(rows: ActiveUsersRow[]): number {
  return rows.find((r) => r.bucket === null)?.users ?? 0;
}
