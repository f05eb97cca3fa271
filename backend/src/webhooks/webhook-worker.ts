import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { Database } from '../database/database.js';
import { retryDelayMs } from './retry-delay.js';
import { sendSigned } from './webhook-sender.js';
import { signEvent } from './webhook-signature.js';
import { type ClaimedDelivery, WebhooksRepository } from './webhooks.repository.js';

/** Deliveries one replica has in flight at most. */
const IN_FLIGHT = 16;
/** A lease outlives the attempt's timeout by this much, so it never runs out while the attempt can still end. */
const LEASE_MARGIN_MS = 5000;
/** The channel the outbox triggers NOTIFY on commit. */
const CHANNEL = 'pulse_webhooks';

/**
 * Delivers the outbox. Woken at once by the triggers' NOTIFY (PGlite and Postgres, from any
 * replica), by a change made here (an admin retry), when the soonest retry falls due, and at
 * least every WEBHOOK_POLL_MS. Each wake claims due deliveries under a lease (SKIP LOCKED, so
 * replicas never take the same one), POSTs them outside any transaction, then records each
 * outcome: delivered, retried after a jittered exponential backoff, or dead at the limit.
 * At-least-once: a replica that dies after the receiver's 2xx but before recording it sends that
 * event again (same webhook-id) once its lease ends.
 */
@Injectable()
export class WebhookWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookWorker.name);
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stop = new AbortController();
  private timer?: NodeJS.Timeout;
  private unlisten?: () => Promise<void>;
  private claiming?: Promise<void>;
  private again = false;

  constructor(
    private readonly db: Database,
    private readonly webhooks: WebhooksRepository,
    private readonly config: AppConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // Before the server takes requests, so the first change already finds its endpoints.
    await this.webhooks.syncSettings(this.db, this.config.webhooks.endpoints);
    try {
      this.unlisten = await this.db.listen(CHANNEL, () => this.wake());
    } catch (err) {
      this.logger.warn(
        { err },
        `could not LISTEN for new webhook events; looking every ${this.config.webhooks.pollMs} ms`,
      );
    }
    this.wake();
  }

  /**
   * Stops claiming, aborts the attempts in flight and releases them (due again at once, for this
   * replica's successor or another one), and waits until every outcome is recorded: an event a
   * receiver acknowledged is marked delivered before the database closes.
   */
  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    clearTimeout(this.timer);
    await this.unlisten?.().catch(() => undefined);
    await this.idle();
  }

  /** Looks for due deliveries now (or once more after the look under way). */
  wake(): void {
    if (this.stop.signal.aborted) return;
    if (this.claiming) {
      this.again = true;
      return;
    }
    this.claiming = this.claim().finally(() => {
      this.claiming = undefined;
      if (this.again) {
        this.again = false;
        this.wake();
      }
    });
  }

  /** Resolves once nothing is claimed or in flight. */
  async idle(): Promise<void> {
    while (this.claiming || this.inFlight.size) await Promise.all([this.claiming, ...this.inFlight]);
  }

  private async claim(): Promise<void> {
    const { pollMs, timeoutMs } = this.config.webhooks;
    let nextInMs = pollMs;
    try {
      for (;;) {
        const room = IN_FLIGHT - this.inFlight.size;
        if (room <= 0 || this.stop.signal.aborted) return;
        const claimed = await this.webhooks.claimDue(this.db, room, timeoutMs + LEASE_MARGIN_MS);
        for (const delivery of claimed) this.start(delivery);
        if (claimed.length < room) break;
      }
      nextInMs = Math.min(pollMs, (await this.webhooks.nextDueInMs(this.db)) ?? pollMs);
    } catch (err) {
      this.logger.warn({ err }, 'could not read the webhook outbox; will try again');
    } finally {
      this.schedule(nextInMs);
    }
  }

  private schedule(ms: number): void {
    if (this.stop.signal.aborted) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.wake(), Math.max(ms, 10));
    this.timer.unref();
  }

  private start(delivery: ClaimedDelivery): void {
    const running: Promise<void> = this.deliver(delivery)
      .catch((err: unknown) =>
        // Its lease runs out and it is tried again: nothing is lost by a failure to record.
        this.logger.warn({ err, delivery: delivery.id }, 'could not record a webhook attempt'),
      )
      .finally(() => {
        this.inFlight.delete(running);
        // A slot is free: there may be more due than one round could take.
        this.wake();
      });
    this.inFlight.add(running);
  }

  private async deliver(d: ClaimedDelivery): Promise<void> {
    const { timeoutMs, maxAttempts, backoffBaseMs, backoffCapMs } = this.config.webhooks;
    const request = signEvent(d.secret, {
      id: d.event_id,
      type: d.type,
      createdAt: new Date(d.event_created_at),
      data: d.payload,
    });
    const result = await sendSigned(d.url, request, timeoutMs, this.stop.signal);
    if (result.ok) {
      await this.webhooks.markDelivered(this.db, d.id, {
        httpStatus: result.status,
        error: null,
        durationMs: result.durationMs,
      });
      return;
    }
    const outcome = { httpStatus: result.status, error: result.error, durationMs: result.durationMs };
    if (result.interrupted) {
      await this.webhooks.release(this.db, d.id, d.attempts, outcome);
      return;
    }
    const dead = d.attempts >= maxAttempts;
    await this.webhooks.markFailed(this.db, d.id, d.attempts, outcome, {
      dead,
      retryInMs: dead ? 0 : retryDelayMs(d.attempts, { baseMs: backoffBaseMs, capMs: backoffCapMs }),
    });
    if (dead) {
      this.logger.warn(
        `webhook ${d.event_id} (${d.type}) to ${new URL(d.url).origin} is dead after ${d.attempts} attempts: ${result.error}`,
      );
    }
  }
}
