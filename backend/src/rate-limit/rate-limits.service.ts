import { Injectable } from '@nestjs/common';
import { RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { addressKey } from './client-address.js';
import { RateLimiterFactory } from './rate-limiter.factory.js';

const WINDOW_SECONDS = 60;

interface Budget {
  limiter: RateLimiterAbstract;
  points: number;
}

const seconds = (ms: number) => String(Math.max(1, Math.ceil(ms / 1000)));

/** RateLimit-* headers (IETF httpapi draft, the form most clients read) for one budget. */
function limitHeaders(budget: Budget, state: RateLimiterRes): Record<string, string> {
  return {
    'RateLimit-Limit': String(budget.points),
    'RateLimit-Remaining': String(Math.max(0, state.remainingPoints)),
    'RateLimit-Reset': seconds(state.msBeforeNext),
  };
}

/**
 * Every budget Pulse enforces, each per minute, all counted in the store RateLimiterFactory
 * gives: one per user shared by every authenticated endpoint, one more for sends (they cost
 * a model call), and failed authentications per client address.
 */
@Injectable()
export class RateLimitsService {
  private readonly requests?: Budget;
  private readonly sends?: Budget;
  private readonly authFailures?: Budget;

  constructor(config: AppConfig, factory: RateLimiterFactory) {
    const budget = (keyPrefix: string, points: number): Budget | undefined =>
      points > 0 ? { limiter: factory.create({ keyPrefix, points, duration: WINDOW_SECONDS }), points } : undefined;
    this.requests = budget('pulse-requests', config.env.RATE_LIMIT_PER_MINUTE);
    this.sends = budget('pulse-sends', config.env.RATE_LIMIT_SENDS_PER_MINUTE);
    this.authFailures = budget('pulse-auth-failures', config.env.AUTH_FAILURES_PER_MINUTE);
  }

  /**
   * Charges one request to the user's budget, and to the sends budget when it is a send.
   * Returns the headers of the budget closer to running out; past either, 429 RATE_LIMITED.
   */
  async chargeUser(userId: string, opts: { send: boolean }): Promise<Record<string, string>> {
    let tightest: { budget: Budget; state: RateLimiterRes } | undefined;
    for (const budget of [this.requests, opts.send ? this.sends : undefined]) {
      if (!budget) continue;
      let state: RateLimiterRes;
      try {
        state = await budget.limiter.consume(userId);
      } catch (rejected) {
        if (!(rejected instanceof RateLimiterRes)) throw rejected;
        const message =
          budget === this.sends
            ? 'Too many messages sent this minute; wait before sending again.'
            : 'Too many requests; slow down and retry in a minute.';
        throw new AppError('RATE_LIMITED', message, undefined, {
          ...limitHeaders(budget, rejected),
          'Retry-After': seconds(rejected.msBeforeNext),
        });
      }
      if (!tightest || state.remainingPoints < tightest.state.remainingPoints) tightest = { budget, state };
    }
    return tightest ? limitHeaders(tightest.budget, tightest.state) : {};
  }

  /**
   * 429 TOO_MANY_AUTH_FAILURES once an address has used up its failures for the minute,
   * checked first so such an address costs no key comparison, signature check or lookup.
   */
  async refuseBlockedAddress(ip: string | undefined): Promise<void> {
    if (!this.authFailures) return;
    const state = await this.authFailures.limiter.get(addressKey(ip));
    if (state && state.consumedPoints >= this.authFailures.points) {
      throw new AppError(
        'TOO_MANY_AUTH_FAILURES',
        'Too many failed authentications from this address; retry later.',
        undefined,
        { 'Retry-After': seconds(state.msBeforeNext) },
      );
    }
  }

  /** Counts a failed authentication (wrong API key, invalid token, unknown user) against the address. */
  async recordAuthFailure(ip: string | undefined): Promise<void> {
    if (this.authFailures) await this.authFailures.limiter.penalty(addressKey(ip));
  }
}
