import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';

export interface MessageHitRow {
  session_id: string;
  session_title: string;
  message_id: string | null;
  role: 'system' | 'user' | 'assistant' | null;
  created_at: string;
  content: string;
  /** created_at as Postgres prints it: a cursor loses no microseconds through JS dates. */
  cursor_at: string;
}

/** A position in the newest-first order of hits: the hit's time and its message (or session) id. */
export interface HitCursor {
  created_at: string;
  id: string;
}

/**
 * SQL of message search, through search_chat_messages(): see its migration for why that is a
 * security definer function. It takes the user from the transaction's claims, never a parameter.
 */
@Injectable()
export class SearchRepository {
  async messagesForUser(
    tx: Queryable,
    query: string,
    opts: { limit: number; includeArchived: boolean; after?: HitCursor },
  ): Promise<MessageHitRow[]> {
    const { rows } = await tx.query<MessageHitRow>(
      `select session_id, session_title, message_id, role, created_at, content, created_at::text as cursor_at
         from public.search_chat_messages($1, $2, $3::timestamptz, $4::uuid, $5)`,
      [query, opts.includeArchived, opts.after?.created_at ?? null, opts.after?.id ?? null, opts.limit + 1],
    );
    return rows;
  }
}
