import { AppError } from '../common/app-error.js';

/** The SQLSTATE public.chat_admit_question raises for a question over a daily quota. */
const QUOTA_SQLSTATE = 'PQ001';

interface QuotaDetail {
  quota: 'messages' | 'tokens';
  limit: number;
  resets_at: string;
}

const WORDS = {
  messages: (limit: number) => `You have sent the ${limit} messages allowed per day.`,
  tokens: (limit: number) => `Your answers today have used the ${limit} tokens allowed per day.`,
};

/**
 * The database's refusal of a question over a daily quota as our 429 QUOTA_EXCEEDED, with when it
 * resets (also as Retry-After, in seconds); anything else is rethrown as it is.
 */
export function quotaExceededFrom(err: unknown): never {
  const e = err as { code?: unknown; detail?: unknown } | null;
  if (e?.code !== QUOTA_SQLSTATE || typeof e.detail !== 'string') throw err;
  const detail = JSON.parse(e.detail) as QuotaDetail;
  const seconds = Math.max(1, Math.ceil((Date.parse(detail.resets_at) - Date.now()) / 1000));
  throw new AppError(
    'QUOTA_EXCEEDED',
    `${WORDS[detail.quota](detail.limit)} It resets at midnight UTC (${detail.resets_at}).`,
    { quota: detail.quota, limit: detail.limit, resets_at: detail.resets_at },
    { 'Retry-After': String(seconds) },
  );
}
