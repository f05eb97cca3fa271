import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import { MessagesRepository, type Role } from '../src/sessions/messages.repository.js';
import { expectError } from './support/errors.js';
import { startTestApp, type TestApp } from './support/test-app.js';

// Starting an app takes seconds on a loaded 2-core machine; the project-level testTimeout does not reach hooks.
jest.setTimeout(30_000);

const SESSIONS = '/api/chat/sessions';
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
const UUID = expect.stringMatching(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);

type User = Awaited<ReturnType<TestApp['user']>>;
interface Message {
  id: string;
  seq: number;
  role: Role;
  content: string;
}

describe('chat sessions API', () => {
  let t: TestApp;
  const messages = new MessagesRepository();

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  const api = (u: User) => ({
    create: (body: object = {}) => request(t.url).post(SESSIONS).set(u.auth).send(body),
    list: (query: Record<string, string | number | boolean> = {}) =>
      request(t.url).get(SESSIONS).set(u.auth).query(query),
    get: (id: string, query: Record<string, string | number> = {}) =>
      request(t.url).get(`${SESSIONS}/${id}`).set(u.auth).query(query),
    messages: (id: string, query: Record<string, string | number> = {}) =>
      request(t.url).get(`${SESSIONS}/${id}/messages`).set(u.auth).query(query),
    update: (id: string, body: object) => request(t.url).put(`${SESSIONS}/${id}`).set(u.auth).send(body),
    remove: (id: string) => request(t.url).delete(`${SESSIONS}/${id}`).set(u.auth),
    clear: (id: string) => request(t.url).post(`${SESSIONS}/${id}/clear`).set(u.auth),
  });

  /** Writes messages the way the chat service does: through the repository, inside the owner's RLS transaction. */
  async function addMessages(u: User, sessionId: string, count: number): Promise<Message[]> {
    return t.db.asUser(u.id, async (tx) => {
      const out: Message[] = [];
      for (let i = 1; i <= count; i++) {
        const parentId = out.at(-1)?.id ?? null;
        const place = { parentId, ifLeaf: parentId };
        out.push(
          (await messages.append(
            tx,
            sessionId,
            i % 2 ? 'user' : 'assistant',
            `message ${i}`,
            {},
            randomUUID(),
            place,
          ))!,
        );
      }
      return out;
    });
  }

  async function messageCount(sessionId: string): Promise<number> {
    const { rows } = await t.db.query<{ n: number }>(
      'select count(*)::int as n from public.chat_messages where session_id = $1',
      [sessionId],
    );
    return rows[0].n;
  }

  describe('happy paths', () => {
    let u: User;
    beforeAll(async () => {
      u = await t.user();
    });

    it('creates a session with a title and a system prompt', async () => {
      const res = await api(u).create({ title: '  Trip to Lisbon  ', system_prompt: 'Be brief.' }).expect(201);
      expect(res.body).toEqual({
        id: UUID,
        title: 'Trip to Lisbon',
        system_prompt: 'Be brief.',
        is_active: true,
        created_at: ISO,
        updated_at: ISO,
        last_message_at: null,
        metadata: {},
        current_leaf_id: null,
      });
      const row = await t.db.query('select user_id, title from public.chat_sessions where id = $1', [res.body.id]);
      expect(row.rows).toEqual([{ user_id: u.id, title: 'Trip to Lisbon' }]);
    });

    it("creates a session without a body, titled 'New chat'", async () => {
      const res = await request(t.url).post(SESSIONS).set(u.auth).expect(201);
      expect(res.body).toEqual(expect.objectContaining({ title: 'New chat', system_prompt: null, is_active: true }));
      const empty = await api(u).create({}).expect(201);
      expect(empty.body.title).toBe('New chat');
    });

    it('accepts a title of exactly 200 characters and a system prompt of exactly 8000', async () => {
      const res = await api(u)
        .create({ title: 't'.repeat(200), system_prompt: 's'.repeat(8000) })
        .expect(201);
      expect(res.body.title).toHaveLength(200);
      expect(res.body.system_prompt).toHaveLength(8000);
    });

    it('lists the sessions, most recently active first', async () => {
      const v = await t.user();
      const first = (await api(v).create({ title: 'first' }).expect(201)).body;
      const second = (await api(v).create({ title: 'second' }).expect(201)).body;
      const res = await api(v).list().expect(200);
      expect(res.body).toEqual({
        object: 'list',
        data: [second, first],
        first_id: second.id,
        last_id: first.id,
        has_more: false,
      });
      // Renaming the older one makes it the most recently active.
      await api(v).update(first.id, { title: 'first, renamed' }).expect(200);
      const after = await api(v).list().expect(200);
      expect(after.body.data.map((s: { id: string }) => s.id)).toEqual([first.id, second.id]);
    });

    it('gets a session with its messages, oldest first', async () => {
      const s = (await api(u).create({ title: 'With messages' }).expect(201)).body;
      const added = await addMessages(u, s.id, 3);
      const res = await api(u).get(s.id).expect(200);
      expect(res.body).toEqual({
        ...s,
        updated_at: ISO,
        last_message_at: ISO,
        current_leaf_id: added[2].id,
        has_more: false,
        messages: added.map((m, i) => ({
          id: m.id,
          session_id: s.id,
          seq: i + 1,
          role: i % 2 ? 'assistant' : 'user',
          content: `message ${i + 1}`,
          created_at: ISO,
          metadata: {},
          parent_id: i === 0 ? null : added[i - 1].id,
          sibling_ids: [m.id],
          sibling_index: 1,
          feedback: null,
          attachments: [],
        })),
      });
    });

    it('gets a session without messages', async () => {
      const s = (await api(u).create({}).expect(201)).body;
      const res = await api(u).get(s.id).expect(200);
      expect(res.body).toEqual({ ...s, messages: [], has_more: false });
    });

    it('updates the title, the system prompt, clears the prompt with null, and archives', async () => {
      const s = (await api(u).create({ title: 'Before', system_prompt: 'Old prompt' }).expect(201)).body;

      const renamed = await api(u).update(s.id, { title: 'After' }).expect(200);
      expect(renamed.body).toEqual({ ...s, title: 'After', updated_at: ISO });
      expect(Date.parse(renamed.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(s.updated_at));

      const prompted = await api(u).update(s.id, { system_prompt: 'New prompt' }).expect(200);
      expect(prompted.body).toEqual(expect.objectContaining({ title: 'After', system_prompt: 'New prompt' }));

      const cleared = await api(u).update(s.id, { system_prompt: null }).expect(200);
      expect(cleared.body).toEqual(expect.objectContaining({ title: 'After', system_prompt: null, is_active: true }));

      const archived = await api(u).update(s.id, { is_active: false }).expect(200);
      expect(archived.body).toEqual(expect.objectContaining({ title: 'After', system_prompt: null, is_active: false }));

      const unchanged = await api(u).update(s.id, {}).expect(200);
      expect(unchanged.body).toEqual(expect.objectContaining({ title: 'After', is_active: false }));

      const row = await t.db.query('select title, system_prompt, is_active from public.chat_sessions where id = $1', [
        s.id,
      ]);
      expect(row.rows).toEqual([{ title: 'After', system_prompt: null, is_active: false }]);
    });

    it('hides archived sessions from the list unless include_archived=true, and restores them', async () => {
      const v = await t.user();
      const kept = (await api(v).create({ title: 'kept' }).expect(201)).body;
      const gone = (await api(v).create({ title: 'archived' }).expect(201)).body;
      await api(v).update(gone.id, { is_active: false }).expect(200);

      const ids = (res: request.Response) => res.body.data.map((s: { id: string }) => s.id);
      expect(ids(await api(v).list().expect(200))).toEqual([kept.id]);
      expect(ids(await api(v).list({ include_archived: false }).expect(200))).toEqual([kept.id]);
      expect(ids(await api(v).list({ include_archived: true }).expect(200))).toEqual([gone.id, kept.id]);
      // An archived session can still be opened directly.
      expect((await api(v).get(gone.id).expect(200)).body.is_active).toBe(false);

      await api(v).update(gone.id, { is_active: true }).expect(200);
      expect(ids(await api(v).list().expect(200))).toEqual([gone.id, kept.id]);
    });

    it('deletes a session with its messages for good', async () => {
      const s = (await api(u).create({ title: 'Doomed' }).expect(201)).body;
      await addMessages(u, s.id, 4);
      const res = await api(u).remove(s.id).expect(204);
      expect(res.text).toBe('');
      expect((await t.db.query('select 1 from public.chat_sessions where id = $1', [s.id])).rows).toEqual([]);
      expect(await messageCount(s.id)).toBe(0);
      expectError(await api(u).get(s.id), 404, 'SESSION_NOT_FOUND');
      expectError(await api(u).remove(s.id), 404, 'SESSION_NOT_FOUND');
    });

    it('clears the messages of a session and keeps the session', async () => {
      const s = (await api(u).create({ title: 'Keep me' }).expect(201)).body;
      await addMessages(u, s.id, 5);
      const res = await api(u).clear(s.id).expect(204);
      expect(res.text).toBe('');
      expect(await messageCount(s.id)).toBe(0);
      const after = await api(u).get(s.id).expect(200);
      expect(after.body).toEqual(
        expect.objectContaining({ id: s.id, title: 'Keep me', messages: [], has_more: false, last_message_at: null }),
      );
      // Positions keep counting after a clear, so cursors from before never point at new messages.
      const [next] = await addMessages(u, s.id, 1);
      expect(next.seq).toBe(6);
    });
  });

  describe('keyset pagination', () => {
    it('pages 25 sessions by 10 with no duplicates or gaps', async () => {
      const u = await t.user();
      const created: string[] = [];
      for (let i = 0; i < 25; i++)
        created.push(
          (
            await api(u)
              .create({ title: `s${i}` })
              .expect(201)
          ).body.id,
        );
      const newestFirst = [...created].reverse();

      const pages: { ids: string[]; has_more: boolean }[] = [];
      let after: string | undefined;
      for (let guard = 0; guard < 5; guard++) {
        const res = await api(u)
          .list({ limit: 10, ...(after ? { after } : {}) })
          .expect(200);
        const ids = res.body.data.map((s: { id: string }) => s.id);
        expect(res.body.first_id).toBe(ids[0]);
        expect(res.body.last_id).toBe(ids.at(-1));
        pages.push({ ids, has_more: res.body.has_more });
        if (!res.body.has_more) break;
        after = res.body.last_id;
      }
      expect(pages.map((p) => [p.ids.length, p.has_more])).toEqual([
        [10, true],
        [10, true],
        [5, false],
      ]);
      expect(pages.flatMap((p) => p.ids)).toEqual(newestFirst);
    });

    it('ends with an empty page after the last session', async () => {
      const u = await t.user();
      const only = (await api(u).create({}).expect(201)).body;
      const res = await api(u).list({ after: only.id }).expect(200);
      expect(res.body).toEqual({ object: 'list', data: [], first_id: null, last_id: null, has_more: false });
    });

    describe('120 messages', () => {
      let u: User;
      let sessionId: string;
      let all: Message[];
      const seqs = (res: request.Response, key = 'data') => res.body[key].map((m: Message) => m.seq);
      const range = (from: number, to: number) =>
        Array.from({ length: Math.abs(to - from) + 1 }, (_, i) => (from <= to ? from + i : from - i));

      beforeAll(async () => {
        u = await t.user();
        sessionId = (await api(u).create({ title: 'Long' }).expect(201)).body.id;
        all = await addMessages(u, sessionId, 120);
      });

      it('GET session ?limit=50 returns the latest 50, oldest first, with has_more', async () => {
        const res = await api(u).get(sessionId, { limit: 50 }).expect(200);
        expect(seqs(res, 'messages')).toEqual(range(71, 120));
        expect(res.body.has_more).toBe(true);
        expect(res.body.messages[0].id).toBe(all[70].id);
      });

      it('GET session without limit returns the latest 50 (the default)', async () => {
        const res = await api(u).get(sessionId).expect(200);
        expect(seqs(res, 'messages')).toEqual(range(71, 120));
      });

      it('GET session ?limit=200 returns all 120 without has_more', async () => {
        const res = await api(u).get(sessionId, { limit: 200 }).expect(200);
        expect(seqs(res, 'messages')).toEqual(range(1, 120));
        expect(res.body.has_more).toBe(false);
      });

      it('/messages?order=desc&after=<oldest shown> continues back to the first message', async () => {
        const shown = (await api(u).get(sessionId, { limit: 50 }).expect(200)).body.messages as Message[];
        const p1 = await api(u).messages(sessionId, { order: 'desc', after: shown[0].id, limit: 50 }).expect(200);
        expect(seqs(p1)).toEqual(range(70, 21));
        expect(p1.body).toEqual(
          expect.objectContaining({ object: 'list', has_more: true, first_id: all[69].id, last_id: all[20].id }),
        );
        const p2 = await api(u).messages(sessionId, { order: 'desc', after: p1.body.last_id, limit: 50 }).expect(200);
        expect(seqs(p2)).toEqual(range(20, 1));
        expect(p2.body.has_more).toBe(false);
      });

      it('/messages defaults to newest first', async () => {
        const res = await api(u).messages(sessionId, { limit: 5 }).expect(200);
        expect(seqs(res)).toEqual([120, 119, 118, 117, 116]);
        expect(res.body.has_more).toBe(true);
      });

      it('/messages?order=asc pages forward from the first message', async () => {
        const got: number[] = [];
        const flags: boolean[] = [];
        let after: string | undefined;
        for (let guard = 0; guard < 5; guard++) {
          const res = await api(u)
            .messages(sessionId, { order: 'asc', limit: 50, ...(after ? { after } : {}) })
            .expect(200);
          got.push(...seqs(res));
          flags.push(res.body.has_more);
          if (!res.body.has_more) break;
          after = res.body.last_id;
        }
        expect(got).toEqual(range(1, 120));
        expect(flags).toEqual([true, true, false]);
      });

      it('refuses a cursor from another session as INVALID_CURSOR', async () => {
        const other = (await api(u).create({}).expect(201)).body.id;
        const [foreign] = await addMessages(u, other, 1);
        expectError(await api(u).messages(sessionId, { after: foreign.id }), 400, 'INVALID_CURSOR', 'after');
      });
    });
  });

  describe("another user's session", () => {
    let owner: User;
    let intruder: User;
    let target: { id: string; title: string; system_prompt: string | null; is_active: boolean };

    beforeAll(async () => {
      owner = await t.user();
      intruder = await t.user();
      target = (await api(owner).create({ title: 'Private', system_prompt: 'Secret prompt' }).expect(201)).body;
      await addMessages(owner, target.id, 3);
    });

    const snapshot = async () => ({
      session: (
        await t.db.query('select title, system_prompt, is_active, updated_at from public.chat_sessions where id = $1', [
          target.id,
        ])
      ).rows,
      messages: (
        await t.db.query('select id, content from public.chat_messages where session_id = $1 order by seq', [target.id])
      ).rows,
    });

    it.each([
      ['GET', (id: string) => api(intruder).get(id)],
      ['GET /messages', (id: string) => api(intruder).messages(id)],
      ['PUT', (id: string) => api(intruder).update(id, { title: 'Hijacked', is_active: false, system_prompt: null })],
      ['DELETE', (id: string) => api(intruder).remove(id)],
      ['POST /clear', (id: string) => api(intruder).clear(id)],
    ])('answers %s with 404 SESSION_NOT_FOUND and changes nothing', async (_verb, call) => {
      const before = await snapshot();
      expect(before.messages).toHaveLength(3);
      const res = await call(target.id);
      expectError(res, 404, 'SESSION_NOT_FOUND');
      expect(await snapshot()).toEqual(before);

      // A session that never existed looks exactly the same.
      const missing = await call(randomUUID());
      expectError(missing, 404, 'SESSION_NOT_FOUND');
      expect(Object.keys(missing.body).sort()).toEqual(Object.keys(res.body).sort());
      expect(missing.body.message).toBe(res.body.message);
    });

    it("does not list another user's sessions, nor accept them as a cursor", async () => {
      const res = await api(intruder).list({ include_archived: true }).expect(200);
      expect(res.body.data.map((s: { id: string }) => s.id)).not.toContain(target.id);
      expectError(await api(intruder).list({ after: target.id }), 400, 'INVALID_CURSOR', 'after');
    });

    it('still serves the owner', async () => {
      const res = await api(owner).get(target.id).expect(200);
      expect(res.body).toEqual(expect.objectContaining({ title: 'Private', system_prompt: 'Secret prompt' }));
      expect(res.body.messages).toHaveLength(3);
    });
  });

  describe('validation errors', () => {
    let u: User;
    let id: string;
    beforeAll(async () => {
      u = await t.user();
      id = (await api(u).create({}).expect(201)).body.id;
    });

    it.each([
      ['GET', (bad: string) => api(u).get(bad)],
      ['GET /messages', (bad: string) => api(u).messages(bad)],
      ['PUT', (bad: string) => api(u).update(bad, { title: 'x' })],
      ['DELETE', (bad: string) => api(u).remove(bad)],
      ['POST /clear', (bad: string) => api(u).clear(bad)],
    ])('refuses a malformed session id on %s with INVALID_ID', async (_verb, call) => {
      for (const bad of ['not-a-uuid', '123', `${randomUUID()}0`]) {
        expectError(await call(bad), 400, 'INVALID_ID', 'session_id');
      }
    });

    it.each([
      ['an unknown field on create', () => api(u).create({ title: 'ok', user_id: randomUUID() }), 'user_id'],
      ['an unknown field on update', () => api(u).update(id, { metadata: { a: 1 } }), 'metadata'],
      ['a 201-character title', () => api(u).create({ title: 'x'.repeat(201) }), 'title'],
      ['an 8001-character system prompt', () => api(u).create({ system_prompt: 'x'.repeat(8001) }), 'system_prompt'],
      ['a 201-character title on update', () => api(u).update(id, { title: 'x'.repeat(201) }), 'title'],
      [
        'an 8001-character prompt on update',
        () => api(u).update(id, { system_prompt: 'x'.repeat(8001) }),
        'system_prompt',
      ],
      ['an empty title', () => api(u).create({ title: '' }), 'title'],
      ['a blank title', () => api(u).create({ title: '   ' }), 'title'],
      ['an empty title on update', () => api(u).update(id, { title: '' }), 'title'],
      ['a title that is not a string', () => api(u).create({ title: 42 }), 'title'],
      ['a null title on update', () => api(u).update(id, { title: null }), 'title'],
      ['is_active: "yes"', () => api(u).update(id, { is_active: 'yes' }), 'is_active'],
      ['is_active: null', () => api(u).update(id, { is_active: null }), 'is_active'],
      ['limit=0', () => api(u).list({ limit: 0 }), 'limit'],
      ['limit=101', () => api(u).list({ limit: 101 }), 'limit'],
      ['limit=abc', () => api(u).list({ limit: 'abc' }), 'limit'],
      ['limit=1.5', () => api(u).list({ limit: '1.5' }), 'limit'],
      ['include_archived=maybe', () => api(u).list({ include_archived: 'maybe' }), 'include_archived'],
      ['an unknown query parameter', () => api(u).list({ offset: 10 }), 'offset'],
      ['a cursor that is not a UUID', () => api(u).list({ after: 'abc' }), 'after'],
      ['messages limit=0', () => api(u).messages(id, { limit: 0 }), 'limit'],
      ['messages limit=201', () => api(u).messages(id, { limit: 201 }), 'limit'],
      ['messages order=sideways', () => api(u).messages(id, { order: 'sideways' }), 'order'],
      ['session limit=abc', () => api(u).get(id, { limit: 'abc' }), 'limit'],
    ])('refuses %s with 400 VALIDATION_FAILED naming the field', async (_name, call, field) => {
      const res = await call();
      expectError(res, 400, 'VALIDATION_FAILED', field);
      expect(res.body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ field })]));
    });

    it('creates nothing when validation fails', async () => {
      const v = await t.user();
      await api(v)
        .create({ title: 'x'.repeat(201) })
        .expect(400);
      await api(v).create({ title: 'ok', extra: true }).expect(400);
      const { rows } = await t.db.query('select 1 from public.chat_sessions where user_id = $1', [v.id]);
      expect(rows).toEqual([]);
    });

    it('refuses an unknown session as a list cursor with INVALID_CURSOR', async () => {
      expectError(await api(u).list({ after: randomUUID() }), 400, 'INVALID_CURSOR', 'after');
    });

    it('refuses an unknown message as a messages cursor with INVALID_CURSOR', async () => {
      expectError(await api(u).messages(id, { after: randomUUID() }), 400, 'INVALID_CURSOR', 'after');
    });

    it('refuses a malformed JSON body with MALFORMED_JSON', async () => {
      for (const body of ['{"title": ', '{title: "x"}', "{'title': 'x'}"]) {
        const res = await request(t.url).post(SESSIONS).set(u.auth).set('Content-Type', 'application/json').send(body);
        expectError(res, 400, 'MALFORMED_JSON');
      }
      const put = await request(t.url)
        .put(`${SESSIONS}/${id}`)
        .set(u.auth)
        .set('Content-Type', 'application/json')
        .send('[');
      expectError(put, 400, 'MALFORMED_JSON');
    });

    it('refuses a body over 256kb with 413 PAYLOAD_TOO_LARGE', async () => {
      const big = JSON.stringify({ title: 'x', system_prompt: 'y'.repeat(300 * 1024) });
      const res = await request(t.url).post(SESSIONS).set(u.auth).set('Content-Type', 'application/json').send(big);
      expectError(res, 413, 'PAYLOAD_TOO_LARGE');
    });
  });
});
