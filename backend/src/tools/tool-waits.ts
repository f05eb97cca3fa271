import { Injectable } from '@nestjs/common';
import type { Queryable } from '../database/database.js';
import { MessagesRepository } from '../sessions/messages.repository.js';
import { isPending, type StoredToolCall } from './tool-calls.js';
import { ToolWaitsRepository } from './tool-waits.repository.js';

export const EXPIRED_TEXT = 'The page did not answer in time.';
export const STOPPED_TEXT = 'Stopped before the page answered.';

/**
 * Ends waits that will not be answered (expired, or the visitor stopped the answer): each pending
 * call becomes an `output-error` with why, and the answer stops waiting. In the caller's transaction.
 */
@Injectable()
export class ToolWaits {
  constructor(
    private readonly waits: ToolWaitsRepository,
    private readonly messages: MessagesRepository,
  ) {}

  async endWait(tx: Queryable, sessionId: string, messageId: string, why: string): Promise<void> {
    const message = await this.messages.findById(tx, sessionId, messageId);
    await this.waits.end(tx, messageId);
    if (!message) return;
    const metadata = message.metadata;
    const calls = ((metadata.tool_calls ?? []) as StoredToolCall[]).map((c) =>
      isPending(c) ? { ...c, state: 'output-error' as const, error: why } : c,
    );
    await this.waits.updateAnswer(tx, sessionId, messageId, '', {
      ...metadata,
      tool_calls: calls,
      awaiting_tool_results: false,
    });
  }
}
