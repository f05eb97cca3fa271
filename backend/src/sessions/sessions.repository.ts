import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';
import type { SessionDto } from './dto/session.dto.js';

const COLUMNS = `id, title, system_prompt, is_active, created_at, updated_at, last_message_at, metadata, current_leaf_id`;

export interface SessionPatch {
  title?: string;
  system_prompt?: string | null;
  is_active?: boolean;
}

/**
 * SQL for chat_sessions. Every method takes the caller's transaction (RLS applies) and
 * also filters by user_id, so ownership is checked twice.
 */
@Injectable()
export class SessionsRepository {
  async create(
    tx: Queryable,
    userId: string,
    input: { title?: string; system_prompt?: string | null },
  ): Promise<SessionDto> {
    const { rows } = await tx.query<SessionDto>(
      `insert into public.chat_sessions (user_id, title, system_prompt)
       values ($1, coalesce($2, 'New chat'), $3)
       returning ${COLUMNS}`,
      [userId, input.title ?? null, input.system_prompt ?? null],
    );
    return rows[0];
  }

  async findForUser(
    tx: Queryable,
    userId: string,
    id: string,
    opts: { lock?: boolean } = {},
  ): Promise<SessionDto | undefined> {
    const { rows } = await tx.query<SessionDto>(
      `select ${COLUMNS} from public.chat_sessions where id = $1 and user_id = $2${opts.lock ? ' for update' : ''}`,
      [id, userId],
    );
    return rows[0];
  }

  /** Newest activity first; keyset on (updated_at, id) after the cursor session. One extra row tells has_more. */
  async listForUser(
    tx: Queryable,
    userId: string,
    opts: { limit: number; includeArchived: boolean; after?: { updated_at: string; id: string } },
  ): Promise<SessionDto[]> {
    const params: unknown[] = [userId, opts.limit + 1];
    let where = 'user_id = $1';
    if (!opts.includeArchived) where += ' and is_active';
    if (opts.after) {
      params.push(opts.after.updated_at, opts.after.id);
      where += ' and (updated_at, id) < ($3::timestamptz, $4::uuid)';
    }
    const { rows } = await tx.query<SessionDto>(
      `select ${COLUMNS} from public.chat_sessions where ${where} order by updated_at desc, id desc limit $2`,
      params,
    );
    return rows;
  }

  /**
   * Full-text search of the caller's sessions (title or any message), in the list's order and
   * keyset, through search_chat_sessions(): see its migration for why that is a security
   * definer function. It takes the user from the transaction's claims, never from a parameter.
   */
  async searchForUser(
    tx: Queryable,
    query: string,
    opts: { limit: number; includeArchived: boolean; after?: { updated_at: string; id: string } },
  ): Promise<(SessionDto & { match_message_id: string | null; match_content: string | null })[]> {
    const { rows } = await tx.query<SessionDto & { match_message_id: string | null; match_content: string | null }>(
      `select ${COLUMNS}, match_message_id, match_content
         from public.search_chat_sessions($1, $2, $3::timestamptz, $4::uuid, $5)`,
      [query, opts.includeArchived, opts.after?.updated_at ?? null, opts.after?.id ?? null, opts.limit + 1],
    );
    return rows;
  }

  /** The cursor position of a session, as its raw timestamp (no precision lost through JS dates). */
  async cursorOf(tx: Queryable, userId: string, id: string): Promise<{ updated_at: string; id: string } | undefined> {
    const { rows } = await tx.query<{ updated_at: string; id: string }>(
      `select updated_at::text as updated_at, id from public.chat_sessions where id = $1 and user_id = $2`,
      [id, userId],
    );
    return rows[0];
  }

  async update(tx: Queryable, userId: string, id: string, patch: SessionPatch): Promise<SessionDto | undefined> {
    const sets: string[] = [];
    const params: unknown[] = [id, userId];
    for (const key of ['title', 'system_prompt', 'is_active'] as const) {
      if (patch[key] !== undefined) {
        params.push(patch[key]);
        sets.push(`${key} = $${params.length}`);
      }
    }
    sets.push('updated_at = now()');
    const { rows } = await tx.query<SessionDto>(
      `update public.chat_sessions set ${sets.join(', ')} where id = $1 and user_id = $2 returning ${COLUMNS}`,
      params,
    );
    return rows[0];
  }

  async delete(tx: Queryable, userId: string, id: string): Promise<boolean> {
    const { rowCount } = await tx.query('delete from public.chat_sessions where id = $1 and user_id = $2', [
      id,
      userId,
    ]);
    return rowCount > 0;
  }

  /** Marks the session as having no messages (after a clear). */
  async markCleared(tx: Queryable, userId: string, id: string): Promise<void> {
    await tx.query(
      `update public.chat_sessions set last_message_at = null, updated_at = now() where id = $1 and user_id = $2`,
      [id, userId],
    );
  }

  /** Sets a new title only while the session still has title `from`: a rename meanwhile wins. */
  async retitle(tx: Queryable, userId: string, id: string, from: string, to: string): Promise<boolean> {
    const { rowCount } = await tx.query(
      `update public.chat_sessions set title = $4, updated_at = now() where id = $1 and user_id = $2 and title = $3`,
      [id, userId, from, to],
    );
    return rowCount > 0;
  }
}
