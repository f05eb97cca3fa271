import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { Database } from '../database/database.js';
import { SessionChanges } from '../sessions/session-changes.js';
import { AttachmentsRepository } from './attachments.repository.js';
import { isAttachmentKey } from './storage/attachment-key.js';
import { AttachmentStore } from './storage/attachment-store.js';

const EVERY_MS = 10 * 60 * 1000;

/**
 * Deletes the files of deleted attachments. A database trigger queues every deleted row's file
 * (a session or user deleted, an upload taken back, one that expired unused), so no path that
 * deletes a row can forget its file; this empties the queue: at start, every ten minutes, and
 * soon after a chat is deleted. Several replicas may sweep at once: deleting a
 * file twice is harmless.
 */
@Injectable()
export class AttachmentGarbageJanitor implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(AttachmentGarbageJanitor.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly attachments: AttachmentsRepository,
    private readonly store: AttachmentStore,
    changes: SessionChanges,
  ) {
    changes.listenRemoved(() => this.sweepSoon());
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => this.sweepSoon(), EVERY_MS);
    this.timer.unref();
    this.sweepSoon();
  }

  async onApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }

  /** Starts a sweep, or asks the running one to go round once more (it may have read the queue already). */
  sweepSoon(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.sweep().finally(() => {
      this.running = undefined;
      if (this.again) {
        this.again = false;
        this.sweepSoon();
      }
    });
  }

  /** Resolves once no sweep runs (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async sweep(): Promise<void> {
    try {
      await this.attachments.deleteExpired(this.db);
      for (;;) {
        const keys = await this.attachments.garbage(this.db);
        if (keys.length === 0) return;
        // A key that is not Pulse's (written into the table by hand) names no file of ours: it is
        // only forgotten, or it would stop every sweep after it.
        await this.store.delete(keys.filter(isAttachmentKey));
        await this.attachments.forgetGarbage(this.db, keys);
        if (this.stopped) return;
      }
    } catch (err) {
      this.logger.warn({ err }, 'could not delete the files of deleted attachments; will try again');
    }
  }
}
