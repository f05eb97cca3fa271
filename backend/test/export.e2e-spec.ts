import { jest } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Role } from '../src/sessions/messages.repository.js';
import { expectError } from './support/errors.js';
import { seed } from './support/seed.js';
import { type TestApp, useTestApp } from './support/test-app.js';

jest.setTimeout(60_000);

type User = Awaited<ReturnType<TestApp['user']>>;
const ISO = expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);

const CODE_ANSWER = ['Here it is:', '', '```ts', 'const x: number = 1;', '# not a heading', '```', '', 'Done.'].join(
  '\n',
);

describe('exporting a session (GET /api/chat/sessions/{id}/export)', () => {
  const t = useTestApp();

  const { session } = seed(t);

  const exportOf = (u: User, id: string, format?: string) =>
    request(t.url)
      .get(`/api/chat/sessions/${id}/export`)
      .set(u.auth)
      .query(format ? { format } : {})
      .buffer(true)
      .parse((res, done) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => done(null, text));
      });

  it('exports Markdown: the title, per message its role and time, the content verbatim', async () => {
    const u = await t.user();
    const s = await session(u, 'Écrire du "TypeScript"\u2028', [
      ['user', 'Show me a typed constant.'],
      ['assistant', CODE_ANSWER],
    ]);
    const res = await exportOf(u, s.id, 'md');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('text/markdown; charset=utf-8');
    expect(res.headers['content-disposition']).toBe(
      `attachment; filename="ecrire-du-typescript-${s.id.slice(0, 8)}.md"`,
    );
    const md = res.body as string;
    expect(md.startsWith('# Écrire du "TypeScript"\n\n')).toBe(true);
    expect(md).toMatch(/^## User · \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n\nShow me a typed constant\.$/m);
    expect(md).toMatch(/^## Assistant · \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/m);
    // The fenced code comes through byte for byte.
    expect(md).toContain(`\n\n${CODE_ANSWER}\n`);
    expect(md.indexOf('## User')).toBeLessThan(md.indexOf('## Assistant'));
  });

  it('exports JSON by default: the session, every message with its feedback, and the time', async () => {
    const u = await t.user();
    const s = await session(u, 'json please', [
      ['user', 'q'],
      ['assistant', 'a'],
    ]);
    await request(t.url)
      .put(`/api/chat/messages/${s.messages[1]}/feedback`)
      .set(u.auth)
      .send({ rating: 'up' })
      .expect(200);
    const res = await request(t.url).get(`/api/chat/sessions/${s.id}/export`).set(u.auth);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="json-please-${s.id.slice(0, 8)}.json"`);
    expect(res.body).toEqual({
      session: expect.objectContaining({ id: s.id, title: 'json please', is_active: true }),
      messages: [
        expect.objectContaining({ id: s.messages[0], role: 'user', content: 'q', seq: 1, feedback: null }),
        expect.objectContaining({
          id: s.messages[1],
          role: 'assistant',
          content: 'a',
          seq: 2,
          created_at: ISO,
          feedback: { rating: 'up', comment: null, updated_at: ISO },
        }),
      ],
      exported_at: ISO,
    });
    expect(res.body.session).not.toHaveProperty('messages');
  });

  it('exports every message of a session longer than one page, in order', async () => {
    const u = await t.user();
    const contents: [Role, string][] = Array.from({ length: 450 }, (_, i) => [i % 2 ? 'assistant' : 'user', `m${i}`]);
    const s = await session(u, 'long', contents);
    const res = await request(t.url).get(`/api/chat/sessions/${s.id}/export`).set(u.auth);
    expect(res.body.messages.map((m: { content: string }) => m.content)).toEqual(contents.map(([, c]) => c));
  });

  it('exports an archived session, and an empty one', async () => {
    const u = await t.user();
    const s = await session(u, 'old', [['user', 'kept']]);
    await request(t.url).put(`/api/chat/sessions/${s.id}`).set(u.auth).send({ is_active: false }).expect(200);
    const res = await request(t.url).get(`/api/chat/sessions/${s.id}/export`).set(u.auth);
    expect(res.status).toBe(200);
    expect(res.body.messages.map((m: { content: string }) => m.content)).toEqual(['kept']);
    const empty = await session(u, undefined, []);
    const md = await exportOf(u, empty.id, 'md');
    expect(md.status).toBe(200);
    expect(md.body).toMatch(/^# New chat\n/);
  });

  it.each([
    ['only symbols', '"\'\n;/\\', 'chat'],
    ['non-Latin', '日本語のチャット', 'chat'],
    ['header injection', 'a"\r\nX-Evil: 1', 'a-x-evil-1'],
  ])('gives a safe ASCII file name for a title with %s', async (_name, title, slug) => {
    const u = await t.user();
    const id = (await request(t.url).post('/api/chat/sessions').set(u.auth).send({ title })).body.id as string;
    expect(id).toBeDefined();
    const res = await exportOf(u, id, 'md');
    expect(res.status).toBe(200);
    expect(res.headers['content-disposition']).toBe(`attachment; filename="${slug}-${id.slice(0, 8)}.md"`);
    expect(res.headers['x-evil']).toBeUndefined();
  });

  it("answers 404 for another user's session and a missing one", async () => {
    const owner = await t.user();
    const other = await t.user();
    const s = await session(owner, 'private', [['user', 'secret']]);
    expectError(
      await request(t.url).get(`/api/chat/sessions/${s.id}/export`).set(other.auth),
      404,
      'SESSION_NOT_FOUND',
    );
    expectError(
      await request(t.url).get(`/api/chat/sessions/${randomUUID()}/export?format=md`).set(other.auth),
      404,
      'SESSION_NOT_FOUND',
    );
  });

  it('refuses an unknown format and a malformed id', async () => {
    const u = await t.user();
    const s = await session(u, 'x', []);
    expectError(
      await request(t.url).get(`/api/chat/sessions/${s.id}/export?format=pdf`).set(u.auth),
      400,
      'VALIDATION_FAILED',
    );
    expectError(
      await request(t.url).get('/api/chat/sessions/nope/export').set(u.auth),
      400,
      'INVALID_ID',
      'session_id',
    );
  });
});
