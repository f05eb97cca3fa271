import { Injectable } from '@nestjs/common';
import type { AuthUser } from '../auth/auth-user.js';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { Database, type Queryable } from '../database/database.js';
import { MessagesRepository } from '../sessions/messages.repository.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { messageNotFound, sessionNotFound } from '../sessions/sessions.service.js';
import { LostAnswers } from '../streams/lost-answers.js';
import { SessionTurns } from '../streams/session-turns.js';
import type { ToolResultDto, ToolResultsDto } from '../tools/dto/tool-results.dto.js';
import { isPending, type StoredToolCall } from '../tools/tool-calls.js';
import { EXPIRED_TEXT, ToolWaits } from '../tools/tool-waits.js';
import { ToolWaitsRepository } from '../tools/tool-waits.repository.js';
import type { AnswerOutput } from './answer-output.js';
import { ChatService } from './chat.service.js';
import type { Continuation } from './send.js';

type Applied = { pending: string[] } | { expired: true } | { continuation: Continuation };

const notPending = (id: string, why: string) =>
  new AppError('TOOL_CALL_NOT_PENDING', `The call ${id} is not waiting for a result: ${why}`, { field: 'results' });

/**
 * The page's results for the tool calls of an answer: stored as they come; once the last of a
 * round is in, the model continues the answer (ChatService.continueAnswer). Any replica takes
 * them: the wait is in the database, and the session's turn keeps them in order with sends.
 */
@Injectable()
export class ToolResultsService {
  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly sessions: SessionsRepository,
    private readonly messages: MessagesRepository,
    private readonly waits: ToolWaitsRepository,
    private readonly toolWaits: ToolWaits,
    private readonly turns: SessionTurns,
    private readonly lost: LostAnswers,
    private readonly chat: ChatService,
  ) {}

  /** Undefined once the continuation was written to `out`; the calls still pending otherwise. */
  async submit(
    user: AuthUser,
    sessionId: string,
    dto: ToolResultsDto,
    out: AnswerOutput,
  ): Promise<{ pending: string[] } | undefined> {
    this.checkSizes(dto.results);
    const turn = await this.turns.enter(sessionId);
    try {
      const shared = await turn.lock();
      if (shared.lostAnswer) await this.lost.recover(sessionId);
      const applied = await this.db.asUser(user.id, (tx) => this.apply(tx, user, sessionId, dto));
      if ('expired' in applied) {
        throw new AppError('TOOL_CALL_EXPIRED', `${EXPIRED_TEXT} The answer ended without these results.`, {
          field: 'results',
        });
      }
      if ('pending' in applied) return applied;
      await this.chat.continueAnswer(user, applied.continuation, out);
      return undefined;
    } finally {
      turn.release();
    }
  }

  private checkSizes(results: ToolResultDto[]): void {
    const max = this.config.tools.resultMaxBytes;
    for (const r of results) {
      const given = [r.output !== undefined, r.error !== undefined, r.denied === true].filter(Boolean).length;
      if (given !== 1) {
        throw new AppError('VALIDATION_FAILED', 'Each result has exactly one of output, error or denied.', {
          field: 'results',
        });
      }
      if (r.output !== undefined && Buffer.byteLength(JSON.stringify(r.output)) > max) {
        throw new AppError('TOOL_RESULT_TOO_LARGE', `A tool's result may be at most ${max} bytes of JSON.`, {
          field: 'results',
        });
      }
    }
  }

  private async apply(tx: Queryable, user: AuthUser, sessionId: string, dto: ToolResultsDto): Promise<Applied> {
    const session = await this.sessions.findForUser(tx, user.id, sessionId);
    if (!session) throw sessionNotFound();
    const message = await this.messages.findById(tx, sessionId, dto.assistant_message_id);
    if (!message || message.role !== 'assistant') throw messageNotFound();
    const wait = await this.waits.lock(tx, sessionId, message.id);
    if (!wait) throw notPending(dto.results[0].tool_call_id, 'the answer is not waiting (answered, stopped or ended).');
    if (wait.deadline.getTime() <= Date.now()) {
      await this.toolWaits.endWait(tx, sessionId, message.id, EXPIRED_TEXT);
      return { expired: true };
    }
    const calls = [...((message.metadata.tool_calls ?? []) as StoredToolCall[])];
    for (const r of dto.results) {
      const at = calls.findIndex((c) => c.id === r.tool_call_id);
      if (at < 0) throw notPending(r.tool_call_id, 'the answer made no such call.');
      if (!isPending(calls[at])) throw notPending(r.tool_call_id, 'it has its result already.');
      calls[at] =
        r.denied === true
          ? { ...calls[at], state: 'output-denied' }
          : r.error !== undefined
            ? { ...calls[at], state: 'output-error', error: r.error }
            : { ...calls[at], state: 'output-available', output: r.output };
    }
    const pending = calls.filter(isPending).map((c) => c.id);
    const metadata = { ...message.metadata, tool_calls: calls, awaiting_tool_results: pending.length > 0 };
    await this.waits.updateAnswer(tx, sessionId, message.id, '', metadata);
    if (pending.length > 0) return { pending };
    await this.waits.end(tx, message.id);
    if (!message.parent_id) throw messageNotFound();
    const window = await this.messages.window(tx, sessionId, message.parent_id, this.config.context.maxMessages + 1);
    return {
      continuation: {
        session,
        questionId: message.parent_id,
        messageId: message.id,
        window,
        text: message.content,
        metadata,
        calls,
        round: wait.round,
      },
    };
  }
}
