import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';

export interface ToolWait {
  message_id: string;
  session_id: string;
  user_id: string;
  round: number;
  deadline: Date;
}

/** SQL of answers waiting for the page's tool results (public.chat_tool_waits) and of their messages. */
@Injectable()
export class ToolWaitsRepository {
  async insert(tx: Queryable, wait: Omit<ToolWait, 'deadline'> & { deadline: Date }): Promise<void> {
    await tx.query(
      `insert into public.chat_tool_waits (message_id, session_id, user_id, round, deadline) values ($1, $2, $3, $4, $5)
       on conflict (message_id) do update set round = excluded.round, deadline = excluded.deadline`,
      [wait.message_id, wait.session_id, wait.user_id, wait.round, wait.deadline],
    );
  }

  /** The answer's wait, locked until the transaction ends (two posts of results take turns). */
  async lock(tx: Queryable, sessionId: string, messageId: string): Promise<ToolWait | undefined> {
    const { rows } = await tx.query<ToolWait>(
      `select message_id, session_id, user_id, round, deadline from public.chat_tool_waits
        where message_id = $1 and session_id = $2 for update`,
      [messageId, sessionId],
    );
    return rows[0];
  }

  async end(tx: Queryable, messageId: string): Promise<void> {
    await tx.query('delete from public.chat_tool_waits where message_id = $1', [messageId]);
  }

  /** The waits of a session (a stop ends them, locked; a resume looks). */
  async inSession(tx: Queryable, sessionId: string, { lock = true } = {}): Promise<ToolWait[]> {
    const { rows } = await tx.query<ToolWait>(
      `select message_id, session_id, user_id, round, deadline from public.chat_tool_waits
        where session_id = $1${lock ? ' for update' : ''}`,
      [sessionId],
    );
    return rows;
  }

  /** Waits past their deadline, oldest first, for the janitor (as the service role: every user's). */
  async expired(db: Queryable, limit: number): Promise<ToolWait[]> {
    const { rows } = await db.query<ToolWait>(
      `select message_id, session_id, user_id, round, deadline from public.chat_tool_waits
        where deadline < now() order by deadline limit $1`,
      [limit],
    );
    return rows;
  }

  /** An answer's text extended and its metadata replaced (the continuation after its tools' results). */
  async updateAnswer(
    tx: Queryable,
    sessionId: string,
    messageId: string,
    appendText: string,
    metadata: Record<string, unknown>,
  ): Promise<boolean> {
    const { rowCount } = await tx.query(
      `update public.chat_messages set content = content || $3, metadata = $4
        where id = $1 and session_id = $2 and role = 'assistant'`,
      [messageId, sessionId, appendText, JSON.stringify(metadata)],
    );
    return rowCount > 0;
  }
}
