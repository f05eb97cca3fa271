import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';

/** `R`: the stored result a retry replays (the chat module's send result). */
export interface SendRequestRow<R = unknown> {
  request_hash: string;
  session_id: string | null;
  user_message_id: string | null;
  status: 'pending' | 'completed' | 'failed';
  response: R | null;
  age_ms: number;
}

/** SQL for chat_send_requests, the idempotency ledger of POST /api/chat/send. */
@Injectable()
export class SendRequestsRepository {
  /** Claims the key for this request, or returns the row an earlier request left (locked). */
  async claim<R>(tx: Queryable, userId: string, key: string, hash: string): Promise<SendRequestRow<R> | undefined> {
    const inserted = await tx.query(
      `insert into public.chat_send_requests (user_id, idempotency_key, request_hash)
       values ($1, $2, $3) on conflict do nothing`,
      [userId, key, hash],
    );
    if (inserted.rowCount > 0) return undefined;
    const { rows } = await tx.query<SendRequestRow<R>>(
      `select request_hash, session_id, user_message_id, status, response,
              (extract(epoch from now() - updated_at) * 1000)::float8 as age_ms
         from public.chat_send_requests where user_id = $1 and idempotency_key = $2 for update`,
      [userId, key],
    );
    return rows[0];
  }

  async attach(tx: Queryable, userId: string, key: string, sessionId: string, userMessageId: string): Promise<void> {
    await tx.query(
      `update public.chat_send_requests
          set session_id = $3, user_message_id = $4, status = 'pending', updated_at = now()
        where user_id = $1 and idempotency_key = $2`,
      [userId, key, sessionId, userMessageId],
    );
  }

  async settle(
    tx: Queryable,
    userId: string,
    key: string,
    status: 'completed' | 'failed',
    response: object | null,
  ): Promise<void> {
    await tx.query(
      `update public.chat_send_requests set status = $3, response = $4::jsonb, updated_at = now()
        where user_id = $1 and idempotency_key = $2`,
      [userId, key, status, response ? JSON.stringify(response) : null],
    );
  }

  /** Forgets keys older than `hours` (as the service role: every user's). Returns how many. */
  async purgeOlderThan(db: Queryable, hours: number): Promise<number> {
    const { rowCount } = await db.query(
      `delete from public.chat_send_requests where created_at < now() - make_interval(hours => $1::int)`,
      [hours],
    );
    return rowCount;
  }
}
