import request from 'supertest';
import { send } from './support/chat.js';
import { expectError } from './support/errors.js';
import { useTestApp } from './support/test-app.js';

const SESSIONS = '/api/chat/sessions';

/**
 * Pulse remembers for a while that a token's user exists, sparing a query per request.
 * A user deleted from public.users meanwhile must get 403 USER_NOT_FOUND, not a 500
 * from the foreign key, and the next request must check again.
 */
describe('a user deleted while Pulse still remembers them', () => {
  const t = useTestApp();

  /** A user whose existence Pulse has just cached (one successful request), then deleted. */
  async function deletedUser() {
    const u = await t.user();
    await request(t.url).get(SESSIONS).set(u.auth).expect(200);
    await t.db.query('delete from public.users where id = $1', [u.id]);
    return u;
  }

  const internalErrors = () => t.logs.filter((l) => l.includes('"statusCode":500') || l.includes('unhandled error'));

  it('creating a session: 403 USER_NOT_FOUND, and the next request is checked again (403, not 200)', async () => {
    const u = await deletedUser();
    expectError(await request(t.url).post(SESSIONS).set(u.auth).send({ title: 'x' }), 403, 'USER_NOT_FOUND');
    // Still cached, this would list the (cascade-deleted) sessions as an empty 200.
    expectError(await request(t.url).get(SESSIONS).set(u.auth), 403, 'USER_NOT_FOUND');
  });

  it('sending (JSON, new session): 403 USER_NOT_FOUND', async () => {
    const u = await deletedUser();
    const res = await send(t, u.auth, { message: 'hello?' });
    expect(res.status).toBe(403);
    expect(await res.json()).toMatchObject({ statusCode: 403, code: 'USER_NOT_FOUND' });
    expectError(await request(t.url).get(SESSIONS).set(u.auth), 403, 'USER_NOT_FOUND');
  });

  it('sending (stream, new session): a 403 USER_NOT_FOUND before the stream opens', async () => {
    const u = await deletedUser();
    const res = await send(t, u.auth, { message: 'hello?' }, { stream: true });
    expect(res.status).toBe(403);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({ statusCode: 403, code: 'USER_NOT_FOUND' });
  });

  it('sending with an Idempotency-Key: 403 USER_NOT_FOUND', async () => {
    const u = await deletedUser();
    for (const stream of [false, true]) {
      const res = await send(t, u.auth, { message: 'hello?' }, { idempotencyKey: `key-${stream}`, stream });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: 'USER_NOT_FOUND' });
    }
  });

  it('logged no internal error for any of it', () => {
    expect(internalErrors()).toEqual([]);
  });

  it('a user added again is served again', async () => {
    const u = await deletedUser();
    expectError(await request(t.url).post(SESSIONS).set(u.auth).send({}), 403, 'USER_NOT_FOUND');
    await t.db.query('insert into public.users (id) values ($1)', [u.id]);
    await request(t.url).post(SESSIONS).set(u.auth).send({}).expect(201);
  });
});

describe('a deleted user with AUTO_PROVISION_USERS', () => {
  const t = useTestApp({ AUTO_PROVISION_USERS: 'true' });

  it('is refused once, then provisioned again by the next request', async () => {
    const u = await t.user();
    await request(t.url).get(SESSIONS).set(u.auth).expect(200);
    await t.db.query('delete from public.users where id = $1', [u.id]);
    expectError(await request(t.url).post(SESSIONS).set(u.auth).send({}), 403, 'USER_NOT_FOUND');
    await request(t.url).post(SESSIONS).set(u.auth).send({}).expect(201);
  });
});
