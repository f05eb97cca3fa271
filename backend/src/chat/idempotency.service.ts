import { Injectable, Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { Database, type Queryable } from '../database/database.js';
import type { BranchTarget } from './send.js';
import type { SendMessageDto } from './dto/send-message.dto.js';
import type { SendResultDto } from './dto/send-result.dto.js';
import { SendRequestsRepository, type SendRequestRow } from '../sessions/send-requests.repository.js';

/**
 * How long past the upstream timeout a pending key is still taken to be in use. The request that
 * holds it may still be storing its answer after the model's last word (a transaction, a queue of
 * sends on a busy database); only a request that died (a crashed replica never settles its key)
 * stays pending longer, and then a retry may answer the stored question instead of a 409 forever.
 */
export const STALE_PENDING_GRACE_MS = 30_000;

/** What claiming a key decided: replay the stored result, or answer (resuming what an earlier try stored). */
export type IdempotencyClaim =
  { replay: SendResultDto } | { replay?: undefined; earlier?: Pick<SendRequestRow, 'session_id' | 'user_message_id'> };

/**
 * The Idempotency-Key ledger of POST /api/chat/send: claim, replay, in use, stale, reused with a
 * different body, failed then retried. Without a key every step is a no-op and every send is new.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly sendRequests: SendRequestsRepository,
  ) {}

  /** In phase one's transaction: claims the key, or decides from the row an earlier request left (locked). */
  async claim(
    tx: Queryable,
    userId: string,
    key: string | undefined,
    dto: SendMessageDto,
    target?: BranchTarget,
  ): Promise<IdempotencyClaim> {
    if (!key) return {};
    const hash = requestHash(dto, target);
    const earlier = await this.sendRequests.claim<SendResultDto>(tx, userId, key, hash);
    if (!earlier) return {};
    if (earlier.request_hash !== hash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used for a different request.', {
        field: 'Idempotency-Key',
      });
    }
    // oxlint-disable-next-line typescript/no-misused-spread -- the stored response is plain JSON, not a class.
    if (earlier.status === 'completed' && earlier.response) return { replay: { ...earlier.response, replayed: true } };
    const stale = earlier.age_ms > this.config.chat.timeoutMs + STALE_PENDING_GRACE_MS;
    if (earlier.status === 'pending' && !stale) {
      throw new AppError('IDEMPOTENCY_KEY_IN_USE', 'A request with this Idempotency-Key is still being answered.');
    }
    return { earlier };
  }

  /** Records which stored question the key answers, so a retry after a failure answers that one. */
  async attach(
    tx: Queryable,
    userId: string,
    key: string | undefined,
    sessionId: string,
    userMessageId: string,
  ): Promise<void> {
    if (key) await this.sendRequests.attach(tx, userId, key, sessionId, userMessageId);
  }

  /** In the answer's transaction: the result a retry with the same key replays. */
  async complete(tx: Queryable, userId: string, key: string | undefined, result: SendResultDto): Promise<void> {
    if (key) await this.sendRequests.settle(tx, userId, key, 'completed', result);
  }

  /** Lets a retry with the same key answer the stored question; a failure here only costs that. */
  async fail(userId: string, key: string | undefined): Promise<void> {
    if (!key) return;
    try {
      await this.db.asUser(userId, (tx) => this.sendRequests.settle(tx, userId, key, 'failed', null));
    } catch (err) {
      this.logger.warn({ err }, 'could not mark an idempotency key as failed');
    }
  }
}

/** The same key with a different body is refused; the hash is what "the same" means. */
function requestHash(dto: SendMessageDto, target?: BranchTarget): string {
  const fields: unknown[] = [
    dto.message,
    dto.session_id?.toLowerCase() ?? null,
    dto.system_prompt ?? null,
    dto.temperature ?? null,
    dto.max_tokens ?? null,
  ];
  // Only when there is one, so the hashes of plain sends (keys stored before branches) stay the same.
  if (target) fields.push(target.kind, target.messageId.toLowerCase());
  return createHash('sha256').update(JSON.stringify(fields)).digest('hex');
}
