import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user.js';
import { AppError } from '../common/app-error.js';
import { Database } from '../database/database.js';
import { highlightsIn, snippetAround } from './snippet.js';
import type { SearchQuery } from './dto/search.query.js';
import type { SearchResultDto } from './dto/search-result.dto.js';
import { type HitCursor, SearchRepository } from './search.repository.js';

// Postgres' text form of a timestamptz, and a uuid: all a cursor may hold. A forged one is a 400
// here, never a cast error (a 500) in SQL, so the date's fields are checked too.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?[+-](\d{2})(?::\d{2}){0,2}$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function isTimestamp(text: string): boolean {
  const m = TIMESTAMP.exec(text);
  if (!m) return false;
  const [year, month, day, hour, minute, second, offset] = m.slice(1, 8).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return (
    year > 0 &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    hour < 24 &&
    minute < 60 &&
    second < 60 &&
    offset <= 15
  );
}

export function encodeCursor(c: HitCursor): string {
  return Buffer.from(`${c.created_at}|${c.id}`).toString('base64url');
}

export function decodeCursor(raw: string): HitCursor | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(raw)) return undefined;
  const [createdAt, id, ...rest] = Buffer.from(raw, 'base64url').toString('utf8').split('|');
  if (rest.length || !isTimestamp(createdAt) || !UUID.test(id)) return undefined;
  return { created_at: createdAt, id };
}

/** Search across the caller's own sessions and messages: message-level hits, newest first. */
@Injectable()
export class SearchService {
  constructor(
    private readonly db: Database,
    private readonly repository: SearchRepository,
  ) {}

  async search(user: AuthUser, q: SearchQuery): Promise<SearchResultDto> {
    const after = q.after === undefined ? undefined : decodeCursor(q.after);
    if (q.after !== undefined && !after)
      throw new AppError('INVALID_CURSOR', '`after` is not a cursor this search returned.', { field: 'after' });
    const rows = await this.db.asUserStatement(user.id, (tx) =>
      this.repository.messagesForUser(tx, q.q, { limit: q.limit, includeArchived: q.include_archived, after }),
    );
    const page = rows.slice(0, q.limit);
    const data = page.map((row) => {
      const snippet = snippetAround(row.content, q.q);
      return {
        session_id: row.session_id,
        session_title: row.session_title,
        message_id: row.message_id,
        role: row.role,
        created_at: row.created_at,
        snippet,
        highlights: highlightsIn(snippet, q.q),
      };
    });
    const last = page.at(-1);
    const hasMore = rows.length > q.limit;
    return {
      object: 'list',
      data,
      has_more: hasMore,
      next_cursor:
        hasMore && last ? encodeCursor({ created_at: last.cursor_at, id: last.message_id ?? last.session_id }) : null,
    };
  }
}
