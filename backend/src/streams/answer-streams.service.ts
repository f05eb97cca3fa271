import { type BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import type { Response } from 'express';
import type { AuthUser } from '../auth/auth-user.js';
import { Draining } from '../common/draining.js';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { SessionsRepository } from '../sessions/sessions.repository.js';
import { sessionNotFound } from '../sessions/sessions.service.js';
import type { StopResultDto } from './dto/stop-result.dto.js';
import { LiveAnswers } from './live-answers.js';
import { LostAnswers } from './lost-answers.js';
import { STOPPED_TEXT, ToolWaits } from '../tools/tool-waits.js';
import { ToolWaitsRepository } from '../tools/tool-waits.repository.js';
import { UiMessageStream } from './ui-message-stream.js';

/** How long POST .../stop waits for the stopped answer to be stored. */
const STOP_WAIT_MS = 10_000;

const timer = (ms: number) => {
  let handle: NodeJS.Timeout | undefined;
  const done = new Promise<false>((resolve) => (handle = setTimeout(() => resolve(false), ms)));
  return { done, cancel: () => clearTimeout(handle) };
};

/**
 * Answers as things that outlive one HTTP connection: stopped from any replica, resumed from
 * their buffered events, and drained on SIGTERM.
 */
@Injectable()
export class AnswerStreams implements BeforeApplicationShutdown {
  private readonly logger = new Logger(AnswerStreams.name);
  private readonly followers = new Set<AbortController>();

  constructor(
    private readonly live: LiveAnswers,
    private readonly lost: LostAnswers,
    private readonly db: Database,
    private readonly sessions: SessionsRepository,
    private readonly config: AppConfig,
    private readonly draining: Draining,
    private readonly toolWaits: ToolWaits,
    private readonly waits: ToolWaitsRepository,
  ) {}

  /** Stops the session's in-flight answer wherever it runs; undefined when nothing is in flight. */
  async stop(user: AuthUser, sessionId: string): Promise<StopResultDto | undefined> {
    await this.assertOwned(user, sessionId);
    const state = await this.live.latest(sessionId);
    if (!state || state.ended) return this.stopWaiting(user, sessionId);
    const { assistantId, messageId } = state.meta;
    if (state.lost) await this.lost.recover(sessionId);
    else await this.live.requestStop(state.meta);
    const deadline = Date.now() + STOP_WAIT_MS;
    for (;;) {
      const now = await this.live.latest(sessionId);
      if (!now || now.ended || now.meta.assistantId !== assistantId) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    return { session_id: sessionId, assistant_message_id: messageId ?? assistantId };
  }

  private async isWaiting(user: AuthUser, sessionId: string): Promise<boolean> {
    return this.db.asUser(
      user.id,
      async (tx) => (await this.waits.inSession(tx, sessionId, { lock: false })).length > 0,
    );
  }

  /**
   * An answer waiting for the page's tool results is in flight too: a stop ends its wait, its
   * pending calls stored as stopped. Undefined when nothing waits.
   */
  private async stopWaiting(user: AuthUser, sessionId: string): Promise<StopResultDto | undefined> {
    const ended = await this.db.asUser(user.id, async (tx) => {
      const waits = await this.waits.inSession(tx, sessionId);
      for (const w of waits) await this.toolWaits.endWait(tx, sessionId, w.message_id, STOPPED_TEXT);
      return waits.at(-1)?.message_id;
    });
    return ended ? { session_id: sessionId, assistant_message_id: ended } : undefined;
  }

  /**
   * Writes the session's in-flight answer to `res` from the event after `lastEventId` (from the
   * first without it) to its end. False when there is nothing to resume: no answer in flight, or
   * (with Last-Event-ID) none of its events is newer than the one given.
   */
  async resume(user: AuthUser, sessionId: string, lastEventId: number | undefined, res: Response): Promise<boolean> {
    await this.assertOwned(user, sessionId);
    const state = await this.live.latest(sessionId);
    if (!state || !state.meta.streamed) return false;
    // An answer that ended waiting for the page's tool results is still in flight for a page that
    // reloads: without Last-Event-ID it gets the whole stream again, the calls included.
    const replayWaiting = state.ended && lastEventId === undefined && (await this.isWaiting(user, sessionId));
    if (state.ended && !replayWaiting && (lastEventId === undefined || lastEventId >= state.lastId)) return false;
    if (state.lost) await this.lost.recover(sessionId);

    const abort = new AbortController();
    this.followers.add(abort);
    res.on('close', () => abort.abort());
    const stream = new UiMessageStream(res, this.config.streams.heartbeatMs, this.config.streams.flushMs);
    stream.open();
    try {
      for await (const event of this.live.follow(state.meta.assistantId, lastEventId ?? 0, abort.signal)) {
        stream.writeEvent(event.id, event.part);
      }
      await stream.end();
    } catch (err) {
      this.logger.warn({ err, sessionId }, 'a resumed stream broke off');
      // No [DONE]: the client sees a cut stream and resumes again with its Last-Event-ID.
      res.destroy();
    } finally {
      stream.dispose();
      this.followers.delete(abort);
    }
    return true;
  }

  /**
   * SIGTERM: fail readiness and refuse new sends at once, let the answers in flight finish for
   * up to SHUTDOWN_DRAIN_SECONDS, then stop the rest (stored as interrupted; their events stay
   * resumable from another replica). Resumed streams are cut so their clients reconnect elsewhere.
   */
  async beforeApplicationShutdown(): Promise<void> {
    this.draining.active = true;
    if (this.live.localCount > 0) {
      this.logger.log(`draining ${this.live.localCount} answer(s) in flight`);
      const limit = timer(this.config.shutdown.drainMs);
      const finished = await Promise.race([this.live.idle().then(() => true), limit.done]);
      limit.cancel();
      if (!finished) {
        this.logger.warn(`drain limit reached; interrupting ${this.live.localCount} answer(s)`);
        this.live.abortLocal('shutdown');
        const grace = timer(5000);
        await Promise.race([this.live.idle(), grace.done]);
        grace.cancel();
      }
    }
    for (const follower of this.followers) follower.abort();
    await this.live.close();
  }

  private async assertOwned(user: AuthUser, sessionId: string): Promise<void> {
    const session = await this.db.asUserStatement(user.id, (tx) => this.sessions.findForUser(tx, user.id, sessionId));
    if (!session) throw sessionNotFound();
  }
}
