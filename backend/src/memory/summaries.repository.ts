import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';
import type { StoredSummary } from './context-budget.js';

/** SQL for chat_summaries. Every method takes the caller's transaction, so RLS applies. */
@Injectable()
export class SummariesRepository {
  /** The summaries that end at one of `messageIds` (the messages of a window), by primary key. */
  async throughAny(tx: Queryable, sessionId: string, messageIds: string[]): Promise<StoredSummary[]> {
    if (messageIds.length === 0) return [];
    // One primary-key probe per id (a join on unnest, not `= any`, which Postgres may answer
    // with a bitmap scan over the session's index, i.e. every summary of a long chat).
    const { rows } = await tx.query<StoredSummary>(
      `select s.through_message_id as through, s.content, s.tokens
         from unnest($2::uuid[]) as ids (id)
         join public.chat_summaries s on s.through_message_id = ids.id
        where s.session_id = $1`,
      [sessionId, messageIds],
    );
    return rows;
  }

  /**
   * Stores a summary through a message of the session. Nothing is stored when that message is
   * gone (the chat was cleared meanwhile) or a summary through it exists (another send made it).
   */
  async insert(tx: Queryable, sessionId: string, summary: StoredSummary): Promise<boolean> {
    const { rowCount } = await tx.query(
      `insert into public.chat_summaries (through_message_id, session_id, content, tokens)
       select m.id, m.session_id, $3, $4 from public.chat_messages m where m.id = $2 and m.session_id = $1
       on conflict (through_message_id) do nothing`,
      [sessionId, summary.through, summary.content, summary.tokens],
    );
    return rowCount > 0;
  }
}
