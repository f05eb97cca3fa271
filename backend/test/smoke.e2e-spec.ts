import request from 'supertest';
import { startTestApp, type TestApp } from './support/test-app.js';

describe('smoke', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('creates and lists a session', async () => {
    const u = await t.user();
    const created = await request(t.url).post('/api/chat/sessions').set(u.auth).send({ title: 'Hello' }).expect(201);
    const list = await request(t.url).get('/api/chat/sessions').set(u.auth).expect(200);
    expect(list.body.data.map((s: { id: string }) => s.id)).toEqual([created.body.id]);
  });
});
