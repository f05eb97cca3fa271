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
    this.requests = budget('pulse-requests', config.rateLimits.perMinute);
    this.sends = budget('pulse-sends', config.rateLimits.sendsPerMinute);
    this.authFailures = budget('pulse-auth-failures', config.rateLimits.authFailuresPerMinute);
  }

  /**
   * Charges one request to the user's budget, and to the sends budget when it is a send.
   * Returns the headers of the budget closer to running out; past either, 429 RATE_LIMITED.
   * Both are charged at once (with Redis, one round trip's wait instead of two); a request the
   * shared budget refuses gives its send back, so it ends as if only that budget was asked.
   */
  async chargeUser(userId: string, opts: { send: boolean }): Promise<Record<string, string>> {
    const budgets = [this.requests, opts.send ? this.sends : undefined].filter((b): b is Budget => !!b);
    const charged = await Promise.allSettled(budgets.map((budget) => budget.limiter.consume(userId)));
    const refused = charged.findIndex((c) => c.status === 'rejected');
    if (refused >= 0) {
      const reason: unknown = (charged[refused] as PromiseRejectedResult).reason;
      // A refused consume still counts its point; only what follows the refusal is given back, and
      // only as far as the store lets it: the refusal is the answer either way.
      await Promise.all(
        budgets.slice(refused + 1).map((budget) => budget.limiter.reward(userId).catch(() => undefined)),
      );
      if (!(reason instanceof RateLimiterRes)) throw reason;
      const budget = budgets[refused];
      const message =
        budget === this.sends
          ? 'Too many messages sent this minute; wait before sending again.'
          : 'Too many requests; slow down and retry in a minute.';
      throw new AppError('RATE_LIMITED', message, undefined, {
        ...limitHeaders(budget, reason),
        'Retry-After': seconds(reason.msBeforeNext),
      });
    }
    let tightest: { budget: Budget; state: RateLimiterRes } | undefined;
    charged.forEach((c, i) => {
      const state = (c as PromiseFulfilledResult<RateLimiterRes>).value;
      if (!tightest || state.remainingPoints < tightest.state.remainingPoints) tightest = { budget: budgets[i], state };
    });
    return tightest ? limitHeaders(tightest.budget, tightest.state) : {};
  }

  /**
   * 429 TOO_MANY_AUTH_FAILURES once an address has used up its failures for the minute: checked
   * before an API key is compared; the JWT guard reads it while the token is checked, and refuses
   * a blocked address whatever the check found.
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
