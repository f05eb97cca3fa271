import { AppError } from '../common/app-error.js';
import { quotaExceededFrom } from './quota-exceeded.js';

describe('quotaExceededFrom', () => {
  it('turns the database refusal into 429 QUOTA_EXCEEDED with its reset time and Retry-After', () => {
    const resets = new Date(Date.now() + 90_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const err = Object.assign(new Error('QUOTA_EXCEEDED'), {
      code: 'PQ001',
      detail: JSON.stringify({ quota: 'tokens', limit: 5000, resets_at: resets }),
    });
    let thrown: unknown;
    try {
      quotaExceededFrom(err);
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(AppError);
    const app = thrown as AppError;
    expect(app.status).toBe(429);
    expect(app.details).toEqual({ quota: 'tokens', limit: 5000, resets_at: resets });
    expect(app.message).toContain('5000 tokens');
    const retryAfter = Number(app.headers?.['Retry-After']);
    expect(retryAfter).toBeGreaterThanOrEqual(88);
    expect(retryAfter).toBeLessThanOrEqual(90);
  });

  it('rethrows any other error unchanged', () => {
    const other = Object.assign(new Error('duplicate'), { code: '23505' });
    expect(() => quotaExceededFrom(other)).toThrow(other);
  });
});
