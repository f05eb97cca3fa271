import { jest } from '@jest/globals';
import request from 'supertest';
import type { Role } from '../src/sessions/messages.repository.js';
import { expectError } from './support/errors.js';
import { AWKWARD_QUERIES } from './support/search.js';
import { seed } from './support/seed.js';
import { type TestApp, useTestApp } from './support/test-app.js';

jest.setTimeout(60_000);

type User = Awaited<ReturnType<TestApp['user']>>;
interface Hit {
  session_id: string;
  session_title: string;
  message_id: string | null;
  role: Role | null;
  created_at: string;
  snippet: string;
  highlights: [number, number][];
}
interface Page {
  object: 'list';
  data: Hit[];
  has_more: boolean;
  next_cursor: string | null;
}

describe(`searching messages (GET /api/chat/search)`, () => {
  const t = useTestApp();

  const { session } = seed(t);

  const search = async (u: User, query: Record<string, string | number | boolean>): Promise<Page> => {
    const res = await request(t.url).get('/api/chat/search').set(u.auth).query(query);
    expect([res.status, res.status === 200 ? null : res.body]).toEqual([200, null]);
    return res.body as Page;
  };
  const marked = (h: Hit) => h.highlights.map(([a, b]) => h.snippet.slice(a, b));

  it('finds messages across sessions, newest first, with the matched words marked in a plain-text snippet', async () => {
    const u = await t.user();
    const cooking = await session(u, 'Cooking', [
      ['user', 'How long do I boil an egg?'],
      ['assistant', 'About nine minutes for a hard-boiled EGG, or egg-free: tofu.'],
    ]);
    const later = await session(u, 'Breakfast', [['user', 'Eggplant? No: one egg and <b>toast</b>']]);
    const titled = await session(u, 'Egg recipes');
    await session(u, 'Unrelated', [['user', 'eggs and eggplant are other words']]);

    const page = await search(u, { q: 'egg' });
    expect(page).toMatchObject({ object: 'list', has_more: false, next_cursor: null });
    // Newest first: each session's messages were stored after the one before it.
    expect(page.data.map((h) => [h.session_id, h.message_id])).toEqual([
      [titled.id, null],
      [later.id, later.messages[0]],
      ...[cooking.messages[1], cooking.messages[0]].map((m) => [cooking.id, m]).sort((a, b) => (a[1] < b[1] ? 1 : -1)),
    ]);
    const byMessage = Object.fromEntries(page.data.map((h) => [h.message_id, h]));
    expect(byMessage[cooking.messages[1]]).toMatchObject({ session_title: 'Cooking', role: 'assistant' });
    expect(marked(byMessage[cooking.messages[1]])).toEqual(['EGG', 'egg']);
    // Markup in a message is text like any other; nothing is added by the server.
    expect(byMessage[later.messages[0]].snippet).toBe('Eggplant? No: one egg and <b>toast</b>');
    expect(byMessage[later.messages[0]].highlights).toEqual([[18, 21]]);
    expect(page.data[0]).toMatchObject({ session_title: 'Egg recipes', role: null, snippet: 'Egg recipes' });
    expect(marked(page.data[0])).toEqual(['Egg']);
    for (const h of page.data) expect(Date.parse(h.created_at)).not.toBeNaN();
  });

  it('marks every wanted word of web-search syntax, not `or` nor excluded words, in any script', async () => {
    const u = await t.user();
    await session(u, 'x', [['user', 'The red apple or the green pear: déjà vu, 日本語']]);
    const [hit] = (await search(u, { q: '"red apple" or déjà -banana' })).data;
    expect(marked(hit)).toEqual(['red', 'apple', 'déjà']);
    expect(marked((await search(u, { q: '日本語' })).data[0])).toEqual(['日本語']);
    expect((await search(u, { q: 'apple -pear' })).data).toEqual([]);
  });

  it('cuts a long message around the match and keeps the offsets right after the ellipsis', async () => {
    const u = await t.user();
    await session(u, 'long', [['user', `${'lorem ipsum '.repeat(100)}needle here ${'dolor sit '.repeat(100)}`]]);
    const [hit] = (await search(u, { q: 'needle' })).data;
    expect(hit.snippet.length).toBeLessThanOrEqual(200);
    expect(hit.snippet.startsWith('…') && hit.snippet.endsWith('…')).toBe(true);
    expect(marked(hit)).toEqual(['needle']);
  });

  it('pages with the cursor without duplicates or gaps, even among messages stored at the same instant', async () => {
    const u = await t.user();
    const expected: string[] = [];
    // Three sessions of nine messages, each session stored in one transaction: equal timestamps.
    for (let s = 0; s < 3; s++) {
      const contents = Array.from({ length: 9 }, (_, i): [Role, string] => [
        i % 2 ? 'assistant' : 'user',
        `zebra ${s}-${i}`,
      ]);
      expected.push(...(await session(u, `herd ${s}`, [...contents, ['user', 'lion']])).messages.slice(0, 9));
    }
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page: Page = await search(u, { q: 'zebra', limit: 4, ...(after ? { after } : {}) });
      expect(page.data.length).toBeLessThanOrEqual(4);
      seen.push(...page.data.map((h) => h.message_id!));
      expect(page.next_cursor === null).toBe(!page.has_more);
      after = page.next_cursor;
      pages++;
    } while (after);
    expect(pages).toBe(7);
    expect(new Set(seen).size).toBe(seen.length);
    expect([...seen].sort()).toEqual([...expected].sort());
    // The same order as one big page.
    expect((await search(u, { q: 'zebra', limit: 50 })).data.map((h) => h.message_id)).toEqual(seen);
  });

  it('hides archived sessions unless asked', async () => {
    const u = await t.user();
    const s = await session(u, 'old', [['user', 'quokka']]);
    await request(t.url).put(`/api/chat/sessions/${s.id}`).set(u.auth).send({ is_active: false }).expect(200);
    expect((await search(u, { q: 'quokka' })).data).toEqual([]);
    expect((await search(u, { q: 'quokka', include_archived: true })).data.map((h) => h.message_id)).toEqual(
      s.messages,
    );
  });

  it("never finds another user's messages or titles, not even through the database function", async () => {
    const owner = await t.user();
    const other = await t.user();
    await session(owner, 'secret walrus', [['user', 'the secret word is walrus']]);
    await session(other, 'mine', [['user', 'my own walrus']]);
    const theirs = await search(other, { q: 'walrus secret' });
    expect(theirs.data).toEqual([]);
    expect((await search(other, { q: 'walrus' })).data.map((h) => h.snippet)).toEqual(['my own walrus']);
    const rows = await t.db.asUser(
      other.id,
      async (tx) => (await tx.query('select * from public.search_chat_messages($1)', ['secret'])).rows,
    );
    expect(rows).toEqual([]);
  });

  it.each(AWKWARD_QUERIES)('answers %j (%s) with 200, never a 500', async (q) => {
    const u = await t.user();
    await session(u, 'something', [['user', 'content a b c foo']]);
    const res = await request(t.url).get('/api/chat/search').set(u.auth).query({ q });
    expect(res.status).toBe(200);
    for (const h of (res.body as Page).data) {
      for (const [a, b] of h.highlights) expect(0 <= a && a < b && b <= h.snippet.length).toBe(true);
    }
  });

  it('refuses a bad cursor, limit or q with 400, and no token with 401', async () => {
    const u = await t.user();
    const forged = Buffer.from('yesterday|not-a-uuid').toString('base64url');
    const february30 = Buffer.from('2026-02-30 10:00:00+00|0b7e6f5c-1d2e-4f3a-8b9c-0d1e2f3a4b5c').toString('base64url');
    for (const after of ['%%%', 'bm9wZQ', forged, february30, 'x'.repeat(201)]) {
      const res = await request(t.url).get('/api/chat/search').set(u.auth).query({ q: 'x', after });
      expect(res.status).toBe(400);
      expect(['INVALID_CURSOR', 'VALIDATION_FAILED']).toContain(res.body.code);
    }
    expectError(
      await request(t.url).get('/api/chat/search').set(u.auth).query({ q: 'x', after: forged }),
      400,
      'INVALID_CURSOR',
      'after',
    );
    for (const query of [
      {},
      { q: '' },
      { q: '   ' },
      { q: 'x'.repeat(201) },
      { q: 'x', limit: 0 },
      { q: 'x', limit: 51 },
    ]) {
      expectError(await request(t.url).get('/api/chat/search').set(u.auth).query(query), 400, 'VALIDATION_FAILED');
    }
    const res = await request(t.url).get('/api/chat/search').query({ q: 'x' });
    expect(res.status).toBe(401);
  });
});
