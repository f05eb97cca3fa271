import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { expectError } from './support/errors.js';
import { seed } from './support/seed.js';
import { type TestApp, useTestApp } from './support/test-app.js';

jest.setTimeout(30_000);

type User = Awaited<ReturnType<TestApp['user']>>;
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);

describe('feedback on answers', () => {
  const t = useTestApp();

  const put = (u: User, id: string, body: object) =>
    request(t.url).put(`/api/chat/messages/${id}/feedback`).set(u.auth).send(body);
  const del = (u: User, id: string) => request(t.url).delete(`/api/chat/messages/${id}/feedback`).set(u.auth);

  /** A session with a question and its answer, stored the way the chat service stores them. */
  async function exchange(u: User): Promise<{ session: string; question: string; answer: string }> {
    const {
      id,
      messages: [question, answer],
    } = await seed(t).session(u, undefined, [
      ['user', 'What is 2+2?'],
      ['assistant', '4'],
    ]);
    return { session: id, question, answer };
  }

  const feedbackOf = async (u: User, session: string) => {
    const res = await request(t.url).get(`/api/chat/sessions/${session}`).set(u.auth);
    return (res.body.messages as { id: string; feedback: unknown }[]).map((m) => m.feedback);
  };

  it('rates an answer, changes the rating, and returns it with the message on every read', async () => {
    const u = await t.user();
    const { session, answer } = await exchange(u);
    expect(await feedbackOf(u, session)).toEqual([null, null]);

    const first = await put(u, answer, { rating: 'up', comment: 'Right.' });
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ message_id: answer, rating: 'up', comment: 'Right.', updated_at: ISO });
    expect(await feedbackOf(u, session)).toEqual([null, { rating: 'up', comment: 'Right.', updated_at: ISO }]);

    // A second PUT replaces the rating and the comment; omitting the comment clears it.
    const second = await put(u, answer, { rating: 'down' });
    expect(second.status).toBe(200);
    expect(second.body).toEqual({ message_id: answer, rating: 'down', comment: null, updated_at: ISO });
    const page = await request(t.url).get(`/api/chat/sessions/${session}/messages`).set(u.auth);
    expect(page.body.data.map((m: { feedback: unknown }) => m.feedback)).toEqual([
      { rating: 'down', comment: null, updated_at: ISO },
      null,
    ]);
    const { rows } = await t.db.query(
      'select count(*)::int as n from public.chat_message_feedback where message_id = $1',
      [answer],
    );
    expect(rows).toEqual([{ n: 1 }]);
  });

  it('removes a rating, and a second removal is still a 204', async () => {
    const u = await t.user();
    const { session, answer } = await exchange(u);
    await put(u, answer, { rating: 'up' });
    expect((await del(u, answer)).status).toBe(204);
    expect(await feedbackOf(u, session)).toEqual([null, null]);
    expect((await del(u, answer)).status).toBe(204);
  });

  it('refuses to rate a question (a user message)', async () => {
    const u = await t.user();
    const { question } = await exchange(u);
    expectError(await put(u, question, { rating: 'up' }), 400, 'INVALID_MESSAGE_ROLE', 'message_id');
    expectError(await del(u, question), 400, 'INVALID_MESSAGE_ROLE', 'message_id');
  });

  it("answers 404 for another user's answer and a missing one, and leaves the owner's rating alone", async () => {
    const owner = await t.user();
    const other = await t.user();
    const { session, answer } = await exchange(owner);
    await put(owner, answer, { rating: 'up', comment: 'mine' });

    expectError(await put(other, answer, { rating: 'down' }), 404, 'MESSAGE_NOT_FOUND');
    expectError(await del(other, answer), 404, 'MESSAGE_NOT_FOUND');
    expectError(await put(other, randomUUID(), { rating: 'down' }), 404, 'MESSAGE_NOT_FOUND');
    expect(await feedbackOf(owner, session)).toEqual([null, { rating: 'up', comment: 'mine', updated_at: ISO }]);
  });

  it.each([
    ['no rating', {}],
    ['an unknown rating', { rating: 'meh' }],
    ['a comment over 2000 characters', { rating: 'up', comment: 'x'.repeat(2001) }],
    ['a comment that is not a string', { rating: 'up', comment: 5 }],
    ['a comment with NUL', { rating: 'up', comment: 'a\u0000b' }],
    ['an unknown field', { rating: 'up', stars: 5 }],
  ])('refuses %s with 400 VALIDATION_FAILED', async (_name, body) => {
    const u = await t.user();
    const { answer } = await exchange(u);
    expectError(await put(u, answer, body), 400, 'VALIDATION_FAILED');
  });

  it('accepts a comment of exactly 2000 characters and an explicit null', async () => {
    const u = await t.user();
    const { answer } = await exchange(u);
    expect((await put(u, answer, { rating: 'up', comment: 'é'.repeat(2000) })).body.comment).toHaveLength(2000);
    expect((await put(u, answer, { rating: 'up', comment: null })).body.comment).toBeNull();
  });

  it('refuses a malformed message id with 400 INVALID_ID', async () => {
    const u = await t.user();
    expectError(await put(u, 'not-a-uuid', { rating: 'up' }), 400, 'INVALID_ID', 'message_id');
  });

  it('needs a token', async () => {
    const res = await request(t.url).put(`/api/chat/messages/${randomUUID()}/feedback`).send({ rating: 'up' });
    expect(res.status).toBe(401);
  });

  it('goes when its message goes (clearing the session)', async () => {
    const u = await t.user();
    const { session, answer } = await exchange(u);
    await put(u, answer, { rating: 'up' });
    expect((await request(t.url).post(`/api/chat/sessions/${session}/clear`).set(u.auth)).status).toBe(204);
    const { rows } = await t.db.query(
      'select count(*)::int as n from public.chat_message_feedback where message_id = $1',
      [answer],
    );
    expect(rows).toEqual([{ n: 0 }]);
  });
});
