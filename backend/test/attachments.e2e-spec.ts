import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { eventually } from '@pulse/testkit';
import { AttachmentGarbageJanitor } from '../src/attachments/attachment-garbage.janitor.js';
import { fixture, png, upload, uploadClaiming, uploaded } from './support/attachments.js';
import { messagesInDb, sendJson, storedMessages } from './support/chat.js';
import { readWithAiSdk } from './support/sse.js';
import { ATTACHMENT_FIXTURES, readFixture } from './fixtures/attachments/fixtures.js';
import { useChatApp } from './support/test-app.js';

const SYSTEM = 'You are the attachments e2e assistant.';

/** The files under the folder store's root, as `<user>/<attachment>` keys. */
function storedKeys(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) =>
      readdirSync(join(dir, d.name))
        .filter((f) => !f.startsWith('.'))
        .map((f) => `${d.name}/${f}`),
    );
}

describe('attachments: upload, send, download (folder store)', () => {
  const { t, upstream } = useChatApp({
    DEFAULT_SYSTEM_PROMPT: SYSTEM,
    ATTACHMENT_TEXT_MAX_TOKENS: '600',
    // The stub speaks /v1/audio/transcriptions and /v1/audio/speech too (TRANSCRIPTION_BASE_URL = OPENAI_BASE_URL).
    SPEECH_MODEL: 'tts-e2e',
  });
  const lastMessages = () => upstream.requests.at(-1)!.body.messages as Array<{ role: string; content: unknown }>;

  it('stores an image, sends it to the model as an image_url part, lists it with the message and serves it back', async () => {
    const u = await t.user();
    const image = png(64, 48);
    const { status, body: att } = await upload(t, u.auth, image, 'part.png', 'image/png');
    expect(status).toBe(201);
    expect(att).toEqual({
      id: expect.any(String),
      filename: 'part.png',
      media_type: 'image/png',
      kind: 'image',
      size_bytes: image.length,
      url: `/api/chat/attachments/${att.id}`,
      created_at: expect.any(String),
      expires_at: expect.any(String),
    });

    upstream.enqueue({ kind: 'text', text: 'That is a gradient.' });
    const sent = await sendJson(t, u.auth, { message: 'What is in this picture?', attachment_ids: [att.id] });
    expect(sent.status).toBe(200);
    expect(lastMessages()).toEqual([
      { role: 'system', content: SYSTEM },
      {
        role: 'user',
        content: [
          { type: 'text', text: 'What is in this picture?' },
          { type: 'image_url', image_url: { url: `data:image/png;base64,${image.toString('base64')}` } },
        ],
      },
    ]);

    const [question] = await storedMessages(t, u.auth, sent.body.session_id);
    expect(question).toEqual(
      expect.objectContaining({
        content: 'What is in this picture?',
        attachments: [expect.objectContaining({ id: att.id, filename: 'part.png', kind: 'image', url: att.url })],
      }),
    );

    const res = await fetch(`${t.url}${att.url}`, { headers: u.auth });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('content-disposition')).toBe(`inline; filename="part.png"; filename*=UTF-8''part.png`);
    expect(Buffer.from(await res.arrayBuffer()).equals(image)).toBe(true);

    // Once used, the upload no longer expires and cannot be taken back.
    const { rows } = await t.db.query<{ expires_at: string | null; session_id: string }>(
      'select expires_at, session_id from public.chat_attachments where id = $1',
      [att.id],
    );
    expect(rows[0]).toEqual({ expires_at: null, session_id: sent.body.session_id });
    const del = await fetch(`${t.url}${att.url}`, { method: 'DELETE', headers: u.auth });
    expect(del.status).toBe(409);
    expect(((await del.json()) as { code: string }).code).toBe('ATTACHMENT_IN_USE');
  });

  it("keeps another user's attachment out of reach: download, delete and send are all 404, and nothing is stored", async () => {
    const owner = await t.user();
    const other = await t.user();
    const id = await uploaded(t, owner.auth, png(8, 8), 'mine.png');

    expect((await fetch(`${t.url}/api/chat/attachments/${id}`, { headers: other.auth })).status).toBe(404);
    const del = await fetch(`${t.url}/api/chat/attachments/${id}`, { method: 'DELETE', headers: other.auth });
    expect(del.status).toBe(404);
    const sent = await sendJson(t, other.auth, { message: 'Look', attachment_ids: [id] });
    expect(sent.status).toBe(404);
    expect(sent.body.code).toBe('ATTACHMENT_NOT_FOUND');
    const { rows } = await t.db.query('select 1 from public.chat_sessions where user_id = $1', [other.id]);
    expect(rows).toHaveLength(0);
    expect(upstream.requests).toHaveLength(0);
  });

  it('gives a short document whole, with its source, and a voice message as its transcript', async () => {
    const u = await t.user();
    const notes = Buffer.from('# Returns\n\nItems can be returned within 30 days with the receipt.\n');
    const id = await uploaded(t, u.auth, notes, 'returns.md');
    upstream.enqueue({ kind: 'text', text: 'Within 30 days.' });
    const sent = await sendJson(t, u.auth, { message: 'How long do I have?', attachment_ids: [id] });
    expect(sent.status).toBe(200);
    const question = lastMessages().at(-1)!;
    expect(question.content).toEqual([
      { type: 'text', text: 'How long do I have?' },
      {
        type: 'text',
        text: 'Attached file "returns.md" (text/markdown):\n# Returns\n\nItems can be returned within 30 days with the receipt.',
      },
    ]);
    expect(sent.body.sources).toEqual([
      { source_id: id, media_type: 'text/markdown', title: 'returns.md', filename: 'returns.md', page: null },
    ]);
  });

  it('searches a long PDF for the passages that match, says which pages it used, and streams them as sources', async () => {
    const u = await t.user();
    const { status, body: att } = await upload(t, u.auth, fixture('manual-300-pages.pdf'), 'manual.pdf');
    expect([status, att.code]).toEqual([201, undefined]);
    expect(att).toEqual(expect.objectContaining({ kind: 'document', media_type: 'application/pdf', pages: 300 }));
    expect(att.tokens).toBeGreaterThan(600);

    upstream.enqueue({ kind: 'text', text: 'It is PX-137.' });
    const res = await fetch(`${t.url}/api/chat/send`, {
      method: 'POST',
      headers: { ...u.auth, 'Content-Type': 'application/json', Accept: 'text/event-stream' },
      body: JSON.stringify({ message: 'Which part number is on page 137?', attachment_ids: [att.id] }),
    });
    // Read as the AI SDK reads it: its own schema must accept the source parts.
    const { chunks, errors } = await readWithAiSdk(res.body!);
    expect(errors).toEqual([]);
    const sources = chunks.filter((p) => p.type === 'source-document');
    expect(sources).toContainEqual({
      type: 'source-document',
      sourceId: `${att.id}:p137`,
      mediaType: 'application/pdf',
      title: 'manual.pdf, page 137',
      filename: 'manual.pdf',
    });
    const parts0 = lastMessages().at(-1)!.content as Array<{ type: string; text: string }>;
    const passage = parts0[1].text;
    expect(passage).toMatch(/^Passages of "manual\.pdf" \(application\/pdf, 300 pages\) that match the question/);
    expect(passage).toContain('[page 137]');
    expect(passage).toContain('PX-137');

    const session = chunks.find((p) => p.type === 'data-session') as { data: { session_id: string } };
    const messages = await messagesInDb(t, session.data.session_id);
    const context = messages[1].metadata.context as {
      attachments: Array<{ id: string; sent: string; pages: number[] }>;
    };
    expect(context.attachments).toEqual([expect.objectContaining({ id: att.id, sent: 'passages' })]);
    expect(context.attachments[0].pages).toContain(137);
  });

  it('makes of every file in the fixture table what the table says, each refusal with its own code', async () => {
    const u = await t.user();
    const rows = ATTACHMENT_FIXTURES.filter((f) => !f.generated);
    expect(rows.length).toBeGreaterThanOrEqual(15);
    const outcomes = [];
    for (const row of rows) {
      const { status, body } = await upload(t, u.auth, readFixture(row.file), row.file);
      outcomes.push(
        'code' in row.expect
          ? [row.file, status, body.code]
          : [row.file, status, body.media_type, body.kind, body.pages],
      );
    }
    expect(outcomes).toEqual(
      rows.map((row) =>
        'code' in row.expect
          ? [row.file, row.expect.code === 'ATTACHMENT_TOO_LARGE' ? 413 : 400, row.expect.code]
          : [row.file, 201, row.expect.mediaType, row.expect.kind, row.expect.pages],
      ),
    );
  });

  it('transcribes a voice message at upload; sent without words, its transcript is the question', async () => {
    const u = await t.user();
    const audio = readFixture('voice.webm');
    const { status, body: att } = await upload(t, u.auth, audio, 'voice.webm', 'audio/webm');
    expect(status).toBe(201);
    const transcript = `Transcript of voice.webm (${audio.length} bytes).`;
    expect(att).toEqual(expect.objectContaining({ kind: 'audio', media_type: 'audio/webm', transcript }));
    expect(upstream.transcriptions).toHaveLength(1);
    expect(upstream.transcriptions[0]).toEqual(expect.objectContaining({ model: 'whisper-1' }));

    upstream.enqueue({ kind: 'text', text: 'Here is what I know.' });
    const sent = await sendJson(t, u.auth, { message: '', attachment_ids: [att.id] });
    expect(sent.status).toBe(200);
    expect(lastMessages().at(-1)).toEqual({ role: 'user', content: transcript });
    const [question, answer] = await storedMessages(t, u.auth, sent.body.session_id);
    expect(question.content).toBe(transcript);

    // Read aloud: the answer's words go to the speech model, its audio comes back.
    const spoken = await fetch(`${t.url}/api/chat/speech`, {
      method: 'POST',
      headers: { ...u.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message_id: answer.id }),
    });
    expect(spoken.status).toBe(200);
    expect(spoken.headers.get('content-type')).toBe('audio/mpeg');
    expect((await spoken.arrayBuffer()).byteLength).toBeGreaterThan(0);
    expect(upstream.speeches.at(-1)!.body).toEqual(
      expect.objectContaining({ model: 'tts-e2e', input: 'Here is what I know.' }),
    );
    // Someone else's answer is not read to them.
    const other = await t.user();
    const refused = await fetch(`${t.url}/api/chat/speech`, {
      method: 'POST',
      headers: { ...other.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message_id: answer.id }),
    });
    expect(refused.status).toBe(404);
  });

  it('refuses files by what their bytes are, each with its own code, and stores none of them', async () => {
    const u = await t.user();
    const cases: Array<[Buffer, string, string]> = [
      [png(4, 4), 'invoice.pdf', 'ATTACHMENT_TYPE_MISMATCH'],
      [Buffer.from('<!doctype html><script>alert(1)</script>'), 'photo.png', 'ATTACHMENT_ACTIVE_CONTENT'],
      [
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
        'logo.svg',
        'ATTACHMENT_ACTIVE_CONTENT',
      ],
      [
        Buffer.concat([
          Buffer.from('MZ'),
          Buffer.alloc(0x3a),
          Buffer.from([0x40, 0, 0, 0]),
          Buffer.from('PE\0\0'),
          Buffer.alloc(200),
        ]),
        'cat.png',
        'ATTACHMENT_TYPE_NOT_ALLOWED',
      ],
      [Buffer.alloc(0), 'empty.txt', 'ATTACHMENT_EMPTY'],
    ];
    for (const [bytes, name, code] of cases) {
      const { status, body } = await upload(t, u.auth, bytes, name);
      expect([name, status, body.code]).toEqual([name, 400, code]);
    }
    const { rows } = await t.db.query('select 1 from public.chat_attachments where user_id = $1', [u.id]);
    expect(rows).toHaveLength(0);
    expect(storedKeys(t.config.attachments.dir).filter((k) => k.startsWith(u.id))).toEqual([]);
  });

  it('refuses more attachments than a message may carry, and an attachment sent in another chat', async () => {
    const u = await t.user();
    const ids = [];
    for (let i = 0; i < t.config.attachments.perMessage + 1; i++)
      ids.push(await uploaded(t, u.auth, png(2, 2), `p${i}.png`));
    const tooMany = await sendJson(t, u.auth, { message: 'All of them', attachment_ids: ids });
    expect([tooMany.status, tooMany.body.code]).toEqual([400, 'TOO_MANY_ATTACHMENTS']);

    upstream.enqueue({ kind: 'text', text: 'Seen.' });
    const first = await sendJson(t, u.auth, { message: 'One', attachment_ids: [ids[0]] });
    expect(first.status).toBe(200);
    const elsewhere = await sendJson(t, u.auth, { message: 'Again, in a new chat', attachment_ids: [ids[0]] });
    expect([elsewhere.status, elsewhere.body.code]).toEqual([409, 'ATTACHMENT_IN_OTHER_SESSION']);
    // In the same chat it may be named again (an edit, a follow-up).
    upstream.enqueue({ kind: 'text', text: 'Still seen.' });
    const same = await sendJson(t, u.auth, {
      message: 'Again',
      session_id: first.body.session_id,
      attachment_ids: [ids[0]],
    });
    expect(same.status).toBe(200);
  });

  it('deleting the chat deletes its attachments and their files; an unused upload expires with its file', async () => {
    const u = await t.user();
    const used = await uploaded(t, u.auth, png(4, 4), 'used.png');
    const unused = await uploaded(t, u.auth, png(5, 5), 'unused.png');
    upstream.enqueue({ kind: 'text', text: 'Noted.' });
    const sent = await sendJson(t, u.auth, { message: 'Keep this', attachment_ids: [used] });
    const dir = t.config.attachments.dir;
    expect(storedKeys(dir)).toEqual(expect.arrayContaining([`${u.id}/${used}`, `${u.id}/${unused}`]));

    const del = await fetch(`${t.url}/api/chat/sessions/${sent.body.session_id}`, {
      method: 'DELETE',
      headers: u.auth,
    });
    expect(del.status).toBe(204);
    await eventually("the deleted chat's file is gone", () => !storedKeys(dir).includes(`${u.id}/${used}`));
    expect((await fetch(`${t.url}/api/chat/attachments/${used}`, { headers: u.auth })).status).toBe(404);

    await t.db.query("update public.chat_attachments set expires_at = now() - interval '1 minute' where id = $1", [
      unused,
    ]);
    const janitor = t.app.get(AttachmentGarbageJanitor);
    janitor.sweepSoon();
    await janitor.idle();
    expect(storedKeys(dir)).not.toContain(`${u.id}/${unused}`);
    const { rows } = await t.db.query('select 1 from public.chat_attachment_garbage');
    expect(rows).toHaveLength(0);
  });
});

describe('attachments: limits', () => {
  const { t, upstream } = useChatApp({
    ATTACHMENT_MAX_BYTES: String(256 * 1024),
    ATTACHMENT_QUOTA_BYTES: String(300 * 1024),
    AI_ACCEPTS_IMAGES: 'false',
  });

  it('answers 413 to an upload that says it is too big, before reading it', async () => {
    const u = await t.user();
    // Nothing past the first 32 KB is ever sent: the answer can only come from the header.
    const res = await uploadClaiming(t, u.auth, 50 * 1024 * 1024, { writeBytes: 32 * 1024 });
    expect(res).toEqual(expect.objectContaining({ status: 413, code: 'ATTACHMENT_TOO_LARGE' }));
  });

  it("refuses the fixture table's generated oversize file: one byte over the limit", async () => {
    const u = await t.user();
    const notes = readFixture('notes.pdf');
    const tooLarge = Buffer.concat([notes, Buffer.alloc(256 * 1024 + 1 - notes.length, 0x20)]);
    const { status, body } = await upload(t, u.auth, tooLarge, 'too-large.pdf');
    expect([status, body.code]).toEqual([413, 'ATTACHMENT_TOO_LARGE']);
  });

  it('stops an upload without a length at the limit, and keeps nothing of it', async () => {
    const u = await t.user();
    // The client would send 1 GB and never ends its request: the answer comes once the limit is passed.
    const res = await uploadClaiming(t, u.auth, 0, { chunked: true, writeBytes: 1024 * 1024 * 1024 });
    expect(res).toEqual(expect.objectContaining({ status: 413, code: 'ATTACHMENT_TOO_LARGE' }));
    expect(res.written).toBeLessThan(1024 * 1024 * 1024);
    await eventually('the partial upload is gone', () =>
      storedKeys(t.config.attachments.dir).every((k) => !k.startsWith(u.id)),
    );
  });

  it("keeps each user's attachments within the quota, also when uploads race", async () => {
    const u = await t.user();
    const big = Buffer.from('a'.repeat(120 * 1024));
    const results = await Promise.all([0, 1, 2, 3].map((i) => upload(t, u.auth, big, `notes-${i}.txt`)));
    const codes = results
      .map((r) => (r.status === 201 ? 'ok' : String(r.body.code)))
      .sort((a, b) => a.localeCompare(b));
    expect(codes).toEqual(['ATTACHMENT_QUOTA_EXCEEDED', 'ATTACHMENT_QUOTA_EXCEEDED', 'ok', 'ok']);
    const { rows } = await t.db.query<{ used: number }>(
      'select sum(size_bytes)::int as used from public.chat_attachments where user_id = $1',
      [u.id],
    );
    expect(rows[0].used).toBe(2 * big.length);
  });

  it('says when answers cannot be read aloud (no SPEECH_MODEL): the widget then uses the browser', async () => {
    const u = await t.user();
    const res = await fetch(`${t.url}/api/chat/speech`, {
      method: 'POST',
      headers: { ...u.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ message_id: '00000000-0000-4000-8000-000000000000' }),
    });
    expect([res.status, ((await res.json()) as { code: string }).code]).toEqual([404, 'SPEECH_NOT_CONFIGURED']);
    const config = await fetch(`${t.url}/api/chat/attachments/config`, { headers: u.auth });
    expect(await config.json()).toEqual({
      max_bytes: 256 * 1024,
      per_message: 5,
      types: expect.arrayContaining(['image/png', 'application/pdf', 'audio/webm']),
      image_resize_over_bytes: 1572864,
      quota_bytes: 300 * 1024,
      used_bytes: 0,
      images: false,
      transcription: true,
      speech: false,
    });
  });

  it('refuses an image when the model takes none, before storing the question', async () => {
    const u = await t.user();
    const id = await uploaded(t, u.auth, png(3, 3), 'x.png');
    const sent = await sendJson(t, u.auth, { message: 'What is this?', attachment_ids: [id] });
    expect([sent.status, sent.body.code]).toEqual([400, 'ATTACHMENT_NOT_SUPPORTED']);
    const { rows } = await t.db.query('select 1 from public.chat_sessions where user_id = $1', [u.id]);
    expect(rows).toHaveLength(0);
    expect(upstream.requests).toHaveLength(0);
  });
});
