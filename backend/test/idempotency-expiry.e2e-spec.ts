import { SendRequestsJanitor } from '../src/chat/send-requests.janitor.js';
import { useTestApp } from './support/test-app.js';

describe('idempotency keys expire', () => {
  const t = useTestApp({ AI_PROVIDER: 'demo', IDEMPOTENCY_KEY_TTL_HOURS: '24' });

  it('forgets keys older than IDEMPOTENCY_KEY_TTL_HOURS and keeps newer ones', async () => {
    const u = await t.user();
    for (const [key, age] of [
      ['old', '25 hours'],
      ['fresh', '23 hours'],
    ]) {
      await t.db.query(
        `insert into public.chat_send_requests (user_id, idempotency_key, request_hash, status, created_at)
         values ($1, $2, 'h', 'completed', now() - $3::interval)`,
        [u.id, key, age],
      );
    }

    const purged = await t.app.get(SendRequestsJanitor).purge();

    expect(purged).toBe(1);
    const { rows } = await t.db.query<{ idempotency_key: string }>(
      'select idempotency_key from public.chat_send_requests where user_id = $1',
      [u.id],
    );
    expect(rows.map((r) => r.idempotency_key)).toEqual(['fresh']);
  });
});
