import { jest } from '@jest/globals';
import request from 'supertest';
import { expectError } from './support/errors.js';
import { AWKWARD_QUERIES } from './support/search.js';
import { seed } from './support/seed.js';
import { type TestApp, useTestApp } from './support/test-app.js';

jest.setTimeout(60_000);

type User = Awaited<ReturnType<TestApp['user']>>;
interface Item {
  id: string;
  title: string;
  match: { message_id: string | null; snippet: string } | null;
}

describe('searching sessions (GET /api/chat/sessions?q=)', () => {
  const t = useTestApp();

  const { session } = seed(t);

  const search = async (u: User, query: Record<string, string | number | boolean>) => {
    const res = await request(t.url).get('/api/chat/sessions').set(u.auth).query(query);
    expect(res.status).toBe(200);
    return res.body as { data: Item[]; has_more: boolean; last_id: string | null };
  };

  it('finds sessions by a message or by the title, newest activity first, with a plain-text snippet', async () => {
    const u = await t.user();
    const byMessage = await session(u, 'Cooking', [
      ['user', 'How long do I boil an egg?'],
      ['assistant', 'About nine minutes for a hard-boiled EGG.'],
    ]);
    const byTitle = await session(u, 'Egg recipes');
    await session(u, 'Unrelated', [['user', 'eggplant and eggs are other words']]);

    const { data } = await search(u, { q: 'egg' });
    // Newest activity first: the title-only session was created after the first one's messages.
    expect(data.map((s) => s.id)).toEqual([byTitle.id, byMessage.id]);
    const found = Object.fromEntries(data.map((s) => [s.id, s.match]));
    expect(found[byMessage.id]).toEqual({
      message_id: expect.any(String),
      snippet: expect.stringMatching(/egg/i),
    });
    expect(byMessage.messages).toContain(found[byMessage.id]!.message_id);
    expect(found[byTitle.id]).toEqual({ message_id: null, snippet: 'Egg recipes' });
  });

  it('matches whole words only ("simple" configuration, no stemming) and is case-insensitive', async () => {
    const u = await t.user();
    const a = await session(u, 'A', [['user', 'Eggplant parmigiana']]);
    const b = await session(u, 'B', [['assistant', 'Use one EGG']]);
    expect((await search(u, { q: 'egg' })).data.map((s) => s.id)).toEqual([b.id]);
    expect((await search(u, { q: 'eggplant' })).data.map((s) => s.id)).toEqual([a.id]);
  });

  it('understands web-search syntax: phrases, or, and -word', async () => {
    const u = await t.user();
    const red = await session(u, 'one', [['user', 'the red apple fell']]);
    const green = await session(u, 'two', [['user', 'the apple was green, not red']]);
    const ids = async (q: string) => (await search(u, { q })).data.map((s) => s.id).sort();
    expect(await ids('"red apple"')).toEqual([red.id]);
    expect(await ids('apple -green')).toEqual([red.id]);
    expect(await ids('fell or green')).toEqual([red.id, green.id].sort());
  });

  it.each(AWKWARD_QUERIES)('answers %j (%s) with 200, never a 500', async (q) => {
    const u = await t.user();
    await session(u, 'something', [['user', 'content']]);
    const res = await request(t.url).get('/api/chat/sessions').set(u.auth).query({ q });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([]);
  });

  it('finds words in any script, and a snippet never carries markup added by the server', async () => {
    const u = await t.user();
    const s = await session(u, 'i18n', [['assistant', 'Réponse en français: <b>déjà</b> vu. 日本語 のテキスト']]);
    const fr = await search(u, { q: 'déjà' });
    expect(fr.data.map((x) => x.id)).toEqual([s.id]);
    expect(fr.data[0].match!.snippet).toBe('Réponse en français: <b>déjà</b> vu. 日本語 のテキスト');
    expect((await search(u, { q: '日本語' })).data.map((x) => x.id)).toEqual([s.id]);
  });

  it('cuts long messages to at most 200 characters around the match', async () => {
    const u = await t.user();
    const long = `${'lorem ipsum '.repeat(100)}needle here ${'dolor sit '.repeat(100)}`;
    await session(u, 'long', [['user', long]]);
    const [hit] = (await search(u, { q: 'needle' })).data;
    expect(hit.match!.snippet.length).toBeLessThanOrEqual(200);
    expect(hit.match!.snippet).toContain('needle here');
    expect(hit.match!.snippet.startsWith('…')).toBe(true);
    expect(hit.match!.snippet.endsWith('…')).toBe(true);
  });

  it('pages with `after` like the list, and hides archived sessions unless asked', async () => {
    const u = await t.user();
    const made: string[] = [];
    for (let i = 0; i < 5; i++) made.push((await session(u, `topic ${i}`, [['user', `zebra number ${i}`]])).id);
    await session(u, 'no match', [['user', 'lion']]);
    const newestFirst = [...made].reverse();

    const first = await search(u, { q: 'zebra', limit: 2 });
    expect(first.data.map((s) => s.id)).toEqual(newestFirst.slice(0, 2));
    expect(first.has_more).toBe(true);
    const second = await search(u, { q: 'zebra', limit: 2, after: first.last_id! });
    expect(second.data.map((s) => s.id)).toEqual(newestFirst.slice(2, 4));
    const third = await search(u, { q: 'zebra', limit: 2, after: second.last_id! });
    expect(third.data.map((s) => s.id)).toEqual(newestFirst.slice(4));
    expect(third.has_more).toBe(false);

    await request(t.url).put(`/api/chat/sessions/${made[0]}`).set(u.auth).send({ is_active: false }).expect(200);
    expect((await search(u, { q: 'zebra' })).data.map((s) => s.id)).not.toContain(made[0]);
    expect((await search(u, { q: 'zebra', include_archived: true })).data.map((s) => s.id)).toContain(made[0]);
  });

  it("never finds another user's sessions, not even through the database function", async () => {
    const owner = await t.user();
    const other = await t.user();
    await session(owner, 'secret title', [['user', 'the secret word is walrus']]);
    expect((await search(other, { q: 'walrus' })).data).toEqual([]);
    expect((await search(other, { q: 'secret' })).data).toEqual([]);
    // Straight through the function, as the other user (as PostgREST would call it): nothing.
    const rows = await t.db.asUser(
      other.id,
      async (tx) => (await tx.query('select * from public.search_chat_sessions($1)', ['walrus'])).rows,
    );
    expect(rows).toEqual([]);
  });

  it('refuses an empty, blank or over-long q, and a cursor that is not the caller’s', async () => {
    const u = await t.user();
    const other = await t.user();
    const theirs = await session(other, 'x');
    for (const q of ['', '   ', 'x'.repeat(201)]) {
      expectError(await request(t.url).get('/api/chat/sessions').set(u.auth).query({ q }), 400, 'VALIDATION_FAILED');
    }
    expectError(
      await request(t.url).get('/api/chat/sessions').set(u.auth).query({ q: 'x', after: theirs.id }),
      400,
      'INVALID_CURSOR',
    );
  });

  it('leaves the plain list without `match`', async () => {
    const u = await t.user();
    await session(u, 'plain');
    const { data } = await search(u, {});
    expect(data[0]).not.toHaveProperty('match');
  });
});
