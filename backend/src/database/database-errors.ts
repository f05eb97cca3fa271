import { AppError } from '../common/app-error.js';

/** Socket-level failures: the server went away or cannot be reached. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * SQLSTATEs that say "the database is not there right now", not "your statement is wrong":
 * class 08 (connection exception), admin/crash shutdown and "starting up" (57P01-57P03),
 * too many connections (53300), and our own statement or idle-in-transaction timeouts
 * (57014 query_canceled, 25P03 idle_in_transaction_session_timeout).
 */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '57014', '25P03']);

/** Messages pg, pg-pool and PGlite give for a lost, refused, timed-out or closed connection. */
const UNAVAILABLE_MESSAGE =
  /Connection terminated|connection timeout|timeout expired|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed|not queryable|Cannot use a pool after calling end|PGlite is closed/i;

/**
 * Whether an error means the database cannot be reached or did not answer in time, as
 * opposed to a bug or a refused statement. The one place that decides a request gets
 * 503 DATABASE_UNAVAILABLE (retry later) rather than 500.
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  if (err instanceof AppError) return err.code === 'DATABASE_UNAVAILABLE';
  const { code, message, cause } = err as { code?: unknown; message?: unknown; cause?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08')) return true;
  }
  if (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message)) return true;
  return cause !== undefined && cause !== err && isDatabaseUnavailable(cause);
}

export const databaseUnavailable = () =>
  new AppError('DATABASE_UNAVAILABLE', 'The database is not reachable right now. Please retry shortly.');

/** For toErrorBody (translateErrors): a failure of the database's reach, as 503 DATABASE_UNAVAILABLE. */
export const asDatabaseUnavailable = (err: unknown): AppError | undefined =>
  isDatabaseUnavailable(err) ? databaseUnavailable() : undefined;
