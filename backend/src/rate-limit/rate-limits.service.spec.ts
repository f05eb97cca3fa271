import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { type LimiterOptions, MemoryRateLimiterFactory } from './rate-limiter.factory.js';
import { RateLimitsService } from './rate-limits.service.js';

const limits = (env: Record<string, string>) =>
  new RateLimitsService(AppConfig.fromEnvironment(env), new MemoryRateLimiterFactory());

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe('RateLimitsService', () => {
  it('reports the budget closer to running out: the sends budget on a send, the shared one otherwise', async () => {
    const l = limits({ RATE_LIMIT_PER_MINUTE: '100', RATE_LIMIT_SENDS_PER_MINUTE: '2' });
    expect(await l.chargeUser('u', { send: true })).toMatchObject({
      'RateLimit-Limit': '2',
      'RateLimit-Remaining': '1',
    });
    expect(await l.chargeUser('u', { send: false })).toMatchObject({
      'RateLimit-Limit': '100',
      'RateLimit-Remaining': '98',
    });
    await l.chargeUser('u', { send: true });
    const err = await refusal(l.chargeUser('u', { send: true }));
    expect(err.code).toBe('RATE_LIMITED');
    expect(err.headers).toMatchObject({ 'RateLimit-Limit': '2', 'RateLimit-Remaining': '0' });
    expect(Number(err.headers?.['Retry-After'])).toBeGreaterThanOrEqual(1);
    // Reading is still allowed, and another user has budgets of their own.
    await l.chargeUser('u', { send: false });
    await l.chargeUser('v', { send: true });
  });

  it('charges both budgets of a send, and gives the send back when the shared budget refuses the request', async () => {
    const made = new Map<string, RateLimiterAbstract>();
    const factory = new (class extends MemoryRateLimiterFactory {
      override create(options: LimiterOptions): RateLimiterAbstract {
        const limiter = super.create(options);
        made.set(options.keyPrefix, limiter);
        return limiter;
      }
    })();
    const l = new RateLimitsService(
      AppConfig.fromEnvironment({ RATE_LIMIT_PER_MINUTE: '2', RATE_LIMIT_SENDS_PER_MINUTE: '5' }),
      factory,
    );
    const used = async (prefix: string) => (await made.get(prefix)!.get('u'))?.consumedPoints;
    await l.chargeUser('u', { send: true });
    await l.chargeUser('u', { send: true });
    expect(await used('pulse-requests')).toBe(2);
    expect(await used('pulse-sends')).toBe(2);
    const err = await refusal(l.chargeUser('u', { send: true }));
    expect(err.headers).toMatchObject({ 'RateLimit-Limit': '2', 'RateLimit-Remaining': '0' });
    // Refused, so not sent: the sends budget is where it was.
    expect(await used('pulse-sends')).toBe(2);
    expect(await used('pulse-requests')).toBe(3);
  });

  it('charges nothing and sends no headers when the limits are off', async () => {
    const l = limits({ RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_SENDS_PER_MINUTE: '0', AUTH_FAILURES_PER_MINUTE: '0' });
    for (let i = 0; i < 200; i++) expect(await l.chargeUser('u', { send: true })).toEqual({});
    for (let i = 0; i < 200; i++) await l.recordAuthFailure('203.0.113.1');
    await l.refuseBlockedAddress('203.0.113.1');
  });

  it('blocks an address after AUTH_FAILURES_PER_MINUTE failures, counting an IPv6 /64 as one client', async () => {
    const l = limits({ AUTH_FAILURES_PER_MINUTE: '2' });
    await l.recordAuthFailure('2001:db8:1:2::a');
    await l.refuseBlockedAddress('2001:db8:1:2::b');
    await l.recordAuthFailure('2001:db8:1:2::b');
    const err = await refusal(l.refuseBlockedAddress('2001:db8:1:2::c'));
    expect(err.code).toBe('TOO_MANY_AUTH_FAILURES');
    expect(err.status).toBe(429);
    await l.refuseBlockedAddress('2001:db8:1:3::a');
  });
});
