import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('rate limiting per user', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ RATE_LIMIT_PER_MINUTE: '3' });
  });
  afterAll(() => t.close());

  it('refuses a user past RATE_LIMIT_PER_MINUTE with 429 RATE_LIMITED, without affecting another user', async () => {
    const a = await t.user();
    const b = await t.user();
    for (let i = 0; i < 3; i++) await request(t.url).get('/api/chat/sessions').set(a.auth).expect(200);
    const refused = await request(t.url).get('/api/chat/sessions').set(a.auth).expect(429);
    expect(refused.body).toMatchObject({ statusCode: 429, code: 'RATE_LIMITED' });
    await request(t.url).get('/api/chat/sessions').set(b.auth).expect(200);
  });
});
