// Issue 21 in the widget against the fake API (which speaks the attachments contract): attach by
// button, paste and drop; thumbnails, chips, progress and removal; a text per refusal; images made
// small before upload; files in the thread read with the token; sources; voice messages recorded
// with Chromium's fake microphone; answers read aloud; the chunk loaded only on first use.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { beforeEach, describe, test } from 'node:test';
import { eventually } from '@pulse/testkit';
import { ATTACHMENTS_CSP, html, jwt, openPage, useServer } from './helpers.mjs';

const TOKEN = jwt('user-1');
const axeSource = await readFile(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let server;
let browser;

useServer(
  (s, b) => {
    server = s;
    browser = b;
    const embed = (o) => `<script src="/widget/pulse-chat.js" data-api-url="${o}" async></script>`;
    server.pages.set('/', { html: (o) => html(embed(o)), csp: ATTACHMENTS_CSP });
    server.pages.set('/de', { html: (o) => html(embed(o), { lang: 'de' }), csp: ATTACHMENTS_CSP });
  },
  // A microphone that plays a beep, allowed without asking.
  { args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] },
);
beforeEach(() => server.api.reset());

const chat = (page) => page.locator('pulse-chat');
const input = (page) => page.locator('pulse-chat form[part=composer] textarea');
const composer = (page) => page.locator('pulse-chat form[part=composer]');
const tray = (page) => composer(page).locator('.tray > li');
const errors = (page) => composer(page).locator('.errors[aria-live=polite]');
const userMessages = (page) => page.locator('pulse-chat [part~=user-message]');
const assistant = (page) => page.locator('pulse-chat [part~=assistant-message]');
const button = (scope, name) => scope.getByRole('button', { name, exact: true });
const sends = () => server.api.requests.filter((r) => r.path === '/api/chat/send');
const uploads = () => server.api.requests.filter((r) => r.method === 'POST' && r.path === '/api/chat/attachments');
const sendDisabled = async (page) =>
  (await chat(page).locator('[part=send-button]').getAttribute('aria-disabled')) === 'true';
const chunkLoaded = (page) =>
  page.evaluate(() => performance.getEntriesByType('resource').some((r) => /\/chunks\/attachments-/.test(r.name)));

async function openChat(path = '/') {
  const page = await openPage(browser, `${server.origin}${path}`, { token: TOKEN });
  await page.locator('pulse-chat [part=launcher]').click();
  await input(page).waitFor();
  return page;
}

/** Files made in the test: a PNG of `w`×`h` pixels of noise (so it does not compress away) or text. */
const PNG_1x1 = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==',
  'base64',
);
const file = (name, mimeType, buffer) => ({ name, mimeType, buffer: Buffer.from(buffer) });

/** Whether an image loads from `url` (an object URL not yet revoked). */
const loads = (page, url) =>
  page.evaluate(
    (u) =>
      new Promise((resolve) => {
        const img = new Image();
        img.onload = () => resolve(true);
        img.onerror = () => resolve(false);
        img.src = u;
      }),
    url,
  );

/** Waits until the composer holds `n` files and none is still uploading. */
async function uploaded(page, n) {
  await tray(page)
    .nth(n - 1)
    .waitFor();
  await composer(page).locator('progress').first().waitFor({ state: 'detached' });
}

async function pick(page, files) {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), button(chat(page), 'Attach files').click()]);
  await chooser.setFiles(files);
}

/** A promise the fake API's uploads wait for, and its resolve. */
function holdUploads() {
  let open;
  server.api.uploadGate = new Promise((r) => (open = r));
  return () => {
    server.api.uploadGate = null;
    open();
  };
}

async function axe(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(() =>
    window.axe.run(document, {
      runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'],
      resultTypes: ['violations'],
    }),
  );
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('attaching files', () => {
  test('the paperclip picks files: thumbnails and chips with a progress bar, removable by keyboard', async () => {
    const page = await openChat();
    assert.equal(await chunkLoaded(page), false, 'nothing of attachments loads before they are used');
    assert.equal(await sendDisabled(page), true, 'nothing to send yet');
    const release = holdUploads();
    await pick(page, [
      file('photo.png', 'image/png', PNG_1x1),
      file('notes.md', 'text/markdown', '# Notes\n\nBeans.'),
      file('manual.pdf', 'application/pdf', '%PDF-1.4 fake'),
    ]);
    await tray(page).nth(2).waitFor();
    assert.equal(await chunkLoaded(page), true);
    assert.equal(await composer(page).locator('progress').count(), 3, 'one progress bar per file while it uploads');
    await composer(page).getByRole('progressbar', { name: 'Uploading notes.md' }).waitFor();
    const thumb = tray(page).first().locator('img');
    assert.equal(await thumb.getAttribute('alt'), 'photo.png');
    const preview = await thumb.getAttribute('src');
    assert.match(preview, /^blob:/, 'the thumbnail is the local file, not uploaded bytes');
    assert.equal(await thumb.evaluate((img) => img.complete && img.naturalWidth), 1);
    assert.equal(await loads(page, preview), true);
    const chip = tray(page).nth(1);
    assert.match(await chip.textContent(), /notes\.md\s*1 kB · MD/);
    assert.equal(await sendDisabled(page), true, 'not while files are still uploading');

    release();
    await composer(page).locator('progress').first().waitFor({ state: 'detached' });
    assert.equal(await sendDisabled(page), false, 'finished uploads can be sent without text');
    assert.equal(uploads().length, 3);
    assert.ok(
      uploads().every((r) => r.headers.authorization === `Bearer ${TOKEN}`),
      'the token in the header',
    );
    assert.ok(uploads().every((r) => !r.path.includes('token')));

    // Remove the image with the keyboard: its object URL is revoked and the upload deleted at the server.
    await button(chat(page), 'Remove photo.png').focus();
    await page.keyboard.press('Enter');
    await tray(page).nth(2).waitFor({ state: 'detached' });
    assert.deepEqual(await tray(page).locator('.name').allTextContents(), ['notes.md', 'manual.pdf']);
    assert.equal(await loads(page, preview), false, 'the thumbnail URL was revoked');
    // The chip goes at once; the DELETE follows without the page waiting for it.
    await eventually('the removed upload was deleted at the server', () => server.api.attachments.size === 2);
    const deleted = server.api.requests.filter((r) => r.method === 'DELETE');
    assert.equal(deleted.length, 1);
    assert.deepEqual(await axe(page), []);
    await page.context().close();
  });

  test('sending passes attachment_ids; the thread shows the image read with the token and a chip that downloads', async () => {
    const page = await openChat();
    await pick(page, [file('photo.png', 'image/png', PNG_1x1), file('notes.md', 'text/markdown', '# Notes')]);
    await uploaded(page, 2);
    await input(page).fill('What is in these?');
    await input(page).press('Enter');
    await assistant(page).last().getByText('Hello, world!').waitFor();
    const [sent] = sends();
    // The two uploads run at once, so the fake API numbers them in arrival order; the send
    // keeps the order the visitor attached them in.
    const idOf = (name) => [...server.api.attachments.values()].find((a) => a.filename === name).id;
    const ids = [idOf('photo.png'), idOf('notes.md')];
    assert.deepEqual(sent.body.attachment_ids, ids);
    assert.equal(sent.body.message, 'What is in these?');
    assert.equal(await tray(page).count(), 0, 'the composer is empty again');

    const question = userMessages(page).last();
    const img = question.locator('img.thumb');
    await page.waitForFunction(
      () =>
        document
          .querySelector('pulse-chat')
          .shadowRoot.querySelector('pulse-chat-panel')
          .shadowRoot.querySelector('img.thumb')?.naturalWidth === 1,
    );
    assert.match(await img.getAttribute('src'), /^blob:/);
    assert.equal(await img.getAttribute('alt'), 'photo.png');
    const read = server.api.requests.filter((r) => r.method === 'GET' && r.path === `/api/chat/attachments/${ids[0]}`);
    assert.equal(read.length, 1);
    assert.equal(read[0].headers.authorization, `Bearer ${TOKEN}`);

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      button(question, 'notes.md 1 kB · MD').click(),
    ]);
    assert.equal(download.suggestedFilename(), 'notes.md');
    assert.equal(await readFile(await download.path(), 'utf8'), '# Notes');
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    assert.deepEqual(page.errors, []);
    await page.context().close();
  });

  test('every refusal has its own text under the composer, in a live region', async () => {
    const codes = {
      ATTACHMENT_TOO_LARGE: 'Too large: at most 20 MB per file.',
      ATTACHMENT_TYPE_NOT_ALLOWED: 'This type of file cannot be attached.',
      ATTACHMENT_TYPE_MISMATCH: 'The file name does not match its contents.',
      ATTACHMENT_ACTIVE_CONTENT: 'Files that can carry scripts (HTML, SVG, XML) cannot be attached.',
      ATTACHMENT_ENCRYPTED: 'The PDF is password-protected.',
      ATTACHMENT_NO_TEXT: 'No text found in the file (a scan?).',
      ATTACHMENT_UNREADABLE: 'The file could not be read.',
      ATTACHMENT_TOO_MANY_PAGES: 'The PDF has too many pages.',
      ATTACHMENT_QUOTA_EXCEEDED: 'Your space for files is full.',
      TOO_MANY_ATTACHMENTS: 'At most 5 files per message.',
      ATTACHMENT_NOT_SUPPORTED: 'This assistant cannot read images.',
      TRANSCRIPTION_FAILED: 'The voice message could not be transcribed.',
      ATTACHMENT_UPLOAD_INVALID: 'The file could not be uploaded.',
    };
    const page = await openChat();
    for (const [code, text] of Object.entries(codes)) {
      server.api.refuse.set(`${code}.pdf`, code);
      await pick(page, [file(`${code}.pdf`, 'application/pdf', '%PDF-1.4')]);
      await errors(page).getByText(`${code}.pdf: ${text}`, { exact: true }).waitFor();
      assert.equal(await tray(page).count(), 0, `${code}: the refused file leaves the composer`);
    }
    assert.deepEqual(await axe(page), []);
    await page.context().close();
  });

  test('the limits are checked before uploading: size and files per message', async () => {
    server.api.config = { ...server.api.config, max_bytes: 1000, per_message: 2 };
    const page = await openChat();
    await pick(page, [
      file('big.pdf', 'application/pdf', Buffer.alloc(1001)),
      file('a.md', 'text/markdown', 'a'),
      file('b.md', 'text/markdown', 'b'),
      file('c.md', 'text/markdown', 'c'),
    ]);
    await errors(page).getByText('big.pdf: Too large: at most 1 kB per file.').waitFor();
    await errors(page).getByText('c.md: At most 2 files per message.').waitFor();
    assert.equal(await errors(page).locator('p').count(), 2);
    assert.equal(await tray(page).count(), 2);
    const configReads = server.api.requests.filter((r) => r.path === '/api/chat/attachments/config');
    assert.equal(configReads.length, 1, 'the limits are asked for once, on first use');
    await composer(page).locator('progress').first().waitFor({ state: 'detached' });
    assert.equal(uploads().length, 2, 'the file too large was never sent');
    await page.context().close();
  });
});

describe('paste, drop and big images', () => {
  test('a pasted image is attached; pasted text still goes in as text', async () => {
    const page = await openChat();
    // Whether the browser's own paste went ahead: not for an image alone, yes when text comes with it.
    const paste = (name, text) =>
      input(page).evaluate(
        (textarea, [png, n, t]) => {
          const dt = new DataTransfer();
          dt.items.add(new File([Uint8Array.from(atob(png), (c) => c.charCodeAt(0))], n, { type: 'image/png' }));
          if (t) dt.setData('text/plain', t);
          const event = new ClipboardEvent('paste', {
            clipboardData: dt,
            bubbles: true,
            cancelable: true,
            composed: true,
          });
          textarea.dispatchEvent(event);
          return !event.defaultPrevented;
        },
        [PNG_1x1.toString('base64'), name, text],
      );
    assert.equal(await paste('image.png'), false, 'an image alone puts nothing in the input');
    await tray(page).first().locator('img[alt="image.png"]').waitFor();
    assert.equal(await paste('with-text.png', 'a caption'), true, 'text pasted with an image still goes in');
    await tray(page).nth(1).locator('img[alt="with-text.png"]').waitFor();
    await composer(page).locator('progress').first().waitFor({ state: 'detached' });
    assert.equal(uploads().length, 2);
    assert.equal([...server.api.attachments.values()][0].media_type, 'image/png');
    await page.context().close();
  });

  test('files dragged over the panel show the drop zone; dropped, they are attached', async () => {
    const page = await openChat();
    const drag = (type, leaveTo) =>
      input(page).evaluate(
        (textarea, [t, leave]) => {
          window.__dt ??= new DataTransfer();
          if (!window.__dt.items.length)
            window.__dt.items.add(new File(['a,b\n1,2\n'], 'table.csv', { type: 'text/csv' }));
          const relatedTarget = leave ? document.querySelector('main') : null;
          textarea.dispatchEvent(
            new DragEvent(t, {
              dataTransfer: window.__dt,
              relatedTarget,
              bubbles: true,
              cancelable: true,
              composed: true,
            }),
          );
        },
        [type, leaveTo],
      );
    const zone = chat(page).locator('.drop');
    await drag('dragenter');
    await drag('dragover');
    await zone.getByText('Drop files to attach them').waitFor();
    await drag('dragleave', 'outside');
    await zone.waitFor({ state: 'detached' });
    await drag('dragover');
    await zone.waitFor();
    await drag('drop');
    await zone.waitFor({ state: 'detached' });
    await tray(page).first().getByText('table.csv').waitFor();
    await composer(page).locator('progress').waitFor({ state: 'detached' });
    assert.equal([...server.api.attachments.values()][0].filename, 'table.csv');
    await page.context().close();
  });

  test('an image over image_resize_over_bytes is made at most 2048 px on its longest side before upload', async () => {
    server.api.config = { ...server.api.config, image_resize_over_bytes: 100_000 };
    const page = await openChat();
    // A 3000×3000 PNG of coloured squares: big in bytes, so it has to be resized.
    const original = await input(page).evaluate(async (textarea) => {
      const canvas = new OffscreenCanvas(3000, 3000);
      const ctx = canvas.getContext('2d');
      for (let i = 0; i < 4000; i++) {
        ctx.fillStyle = `hsl(${(i * 37) % 360} 80% ${20 + (i % 60)}%)`;
        ctx.fillRect((i * 97) % 3000, (i * 61) % 3000, 40 + (i % 90), 40 + (i % 70));
      }
      const blob = await canvas.convertToBlob({ type: 'image/png' });
      const dt = new DataTransfer();
      dt.items.add(new File([blob], 'squares.png', { type: 'image/png' }));
      textarea.dispatchEvent(
        new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true, composed: true }),
      );
      return blob.size;
    });
    assert.ok(original > 100_000, `the original is over the threshold (${original} bytes)`);
    await tray(page).first().waitFor();
    await composer(page).locator('progress').waitFor({ state: 'detached' });
    const [stored] = server.api.attachments.values();
    assert.equal(stored.filename, 'squares.webp', 'the name keeps its stem, with the new type');
    assert.equal(stored.media_type, 'image/webp');
    assert.ok(stored.size_bytes < original, `${stored.size_bytes} < ${original}`);
    const size = await page.evaluate(
      async ([id, token]) => {
        const res = await fetch(`/api/chat/attachments/${id}`, { headers: { authorization: `Bearer ${token}` } });
        const bitmap = await createImageBitmap(await res.blob());
        return [bitmap.width, bitmap.height];
      },
      [stored.id, TOKEN],
    );
    assert.deepEqual(size, [2048, 2048]);
    await page.context().close();
  });

  test('an image is refused at once when the model takes none', async () => {
    server.api.config = { ...server.api.config, images: false };
    const page = await openChat();
    await pick(page, [file('photo.png', 'image/png', PNG_1x1)]);
    await errors(page).getByText('photo.png: This assistant cannot read images.').waitFor();
    assert.equal(await tray(page).count(), 0);
    assert.equal(uploads().length, 0);
    await page.context().close();
  });

  test('a small image goes up as it is', async () => {
    const page = await openChat();
    await pick(page, [file('tiny.png', 'image/png', PNG_1x1)]);
    await uploaded(page, 1);
    const [stored] = server.api.attachments.values();
    assert.equal(stored.filename, 'tiny.png');
    assert.deepEqual(Buffer.from(stored.bytes), PNG_1x1);
    await page.context().close();
  });
});

describe('voice', () => {
  test('recording shows the time and a stop button; Escape throws it away', async () => {
    const page = await openChat();
    await button(chat(page), 'Record a voice message').click();
    const rec = chat(page).getByRole('group', { name: 'Recording' });
    await rec
      .getByRole('timer')
      .getByText(/^0:0[1-9]$/)
      .waitFor();
    assert.equal(
      await page.evaluate(() => document.querySelector('pulse-chat').shadowRoot.activeElement?.tagName),
      'PULSE-CHAT-PANEL',
    );
    assert.equal(
      await button(rec, 'Stop recording').evaluate((b) => b.getRootNode().activeElement === b),
      true,
      'focus moves to the stop button',
    );
    assert.equal(await sendDisabled(page), true, 'nothing can be sent while recording');
    await page.keyboard.press('Escape');
    await rec.waitFor({ state: 'detached' });
    assert.equal(await chat(page).getAttribute('open'), '', 'Escape cancelled the recording, not the panel');
    await button(chat(page), 'Record a voice message').waitFor();
    assert.equal(uploads().length, 0, 'a cancelled recording is not uploaded');
    await page.context().close();
  });

  test('a recorded message uploads, shows its transcript and is sent without text; it plays in the thread', async () => {
    const page = await openChat();
    await button(chat(page), 'Record a voice message').click();
    const rec = chat(page).getByRole('group', { name: 'Recording' });
    await rec
      .getByRole('timer')
      .getByText(/^0:0[1-9]$/)
      .waitFor();
    await button(rec, 'Stop recording').click();
    await tray(page).first().locator('q').getByText('What time do you open?').waitFor();
    const [stored] = server.api.attachments.values();
    assert.equal(stored.filename, 'voice-message.webm');
    assert.equal(stored.media_type, 'audio/webm');
    assert.ok(stored.bytes.length > 1000, `a real recording (${stored.bytes.length} bytes)`);
    assert.deepEqual([...stored.bytes.subarray(0, 4)], [0x1a, 0x45, 0xdf, 0xa3], 'WebM (EBML) bytes');

    await button(chat(page), 'Send').click();
    await assistant(page).last().getByText('Hello, world!').waitFor();
    assert.deepEqual(sends()[0].body.attachment_ids, [stored.id]);
    assert.equal(sends()[0].body.message, '');
    const question = userMessages(page).last();
    assert.equal(await question.getByText('What time do you open?').count(), 1, 'the transcript once, not twice');
    const play = button(question, 'Play voice message');
    await play.click();
    await page.waitForFunction(() =>
      document
        .querySelector('pulse-chat')
        .shadowRoot.querySelector('pulse-chat-panel')
        .shadowRoot.querySelector('.voice button[aria-pressed=true]'),
    );
    const read = server.api.requests.filter(
      (r) => r.method === 'GET' && r.path === `/api/chat/attachments/${stored.id}`,
    );
    assert.equal(read[0].headers.authorization, `Bearer ${TOKEN}`);
    assert.deepEqual(await axe(page), []);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    await page.context().close();
  });
});

describe('answers', () => {
  test('sources of an answer are listed under it', async () => {
    server.api.sources = ['manual.pdf, page 12', 'manual.pdf, page 40'];
    const page = await openChat();
    await input(page).fill('How do I descale?');
    await input(page).press('Enter');
    await assistant(page).last().getByText('Sources: manual.pdf, page 12; manual.pdf, page 40').waitFor();
    assert.equal(await chunkLoaded(page), false, 'sources need no attachments chunk');
    await page.reload();
    await page.locator('pulse-chat [part=launcher]').click();
    await assistant(page).last().getByText('Sources: manual.pdf, page 12; manual.pdf, page 40').waitFor();
    await page.context().close();
  });

  test('read aloud uses the browser voice when the server has none, and again stops it', async () => {
    const page = await openPage(browser, null, { token: TOKEN });
    await page.addInitScript(() => {
      window.__spoken = [];
      speechSynthesis.speak = (u) => window.__spoken.push({ text: u.text, lang: u.lang });
    });
    await page.goto(`${server.origin}/de`);
    await page.locator('pulse-chat [part=launcher]').click();
    await input(page).fill('Hallo');
    await input(page).press('Enter');
    const answer = assistant(page).last();
    const aloud = button(answer, 'Vorlesen');
    await aloud.click();
    await page.waitForFunction(() => window.__spoken.length === 1);
    assert.deepEqual(await page.evaluate(() => window.__spoken), [{ text: 'Hello, world!', lang: 'de' }]);
    const asked = server.api.requests.filter((r) => r.path === '/api/chat/speech');
    assert.deepEqual(asked[0].body, { message_id: server.api.sessions[0].leaf });
    assert.equal(await aloud.getAttribute('aria-pressed'), 'true');
    await aloud.click();
    await page.waitForFunction(
      () =>
        document
          .querySelector('pulse-chat')
          .shadowRoot.querySelector('pulse-chat-panel')
          .shadowRoot.querySelector('[aria-label=Vorlesen]')
          .getAttribute('aria-pressed') === 'false',
    );
    await aloud.click();
    await page.waitForFunction(() => window.__spoken.length === 2);
    assert.equal(
      server.api.requests.filter((r) => r.path === '/api/chat/speech').length,
      1,
      'SPEECH_NOT_CONFIGURED is remembered',
    );
    await page.context().close();
  });

  test('read aloud plays the server voice when it has one', async () => {
    // One second of silence as 8 kHz 8-bit mono WAV.
    const pcm = Buffer.alloc(8000, 128);
    const header = Buffer.alloc(44);
    header.write('RIFF', 0);
    header.writeUInt32LE(36 + pcm.length, 4);
    header.write('WAVEfmt ', 8);
    header.writeUInt32LE(16, 16);
    header.writeUInt16LE(1, 20);
    header.writeUInt16LE(1, 22);
    header.writeUInt32LE(8000, 24);
    header.writeUInt32LE(8000, 28);
    header.writeUInt16LE(1, 32);
    header.writeUInt16LE(8, 34);
    header.write('data', 36);
    header.writeUInt32LE(pcm.length, 40);
    server.api.speech = Buffer.concat([header, pcm]);
    const page = await openPage(browser, null, { token: TOKEN });
    await page.addInitScript(() => {
      window.__spoken = [];
      window.__played = [];
      speechSynthesis.speak = (u) => window.__spoken.push(u.text);
      const play = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'play').value;
      HTMLMediaElement.prototype.play = function () {
        window.__played.push(this.src);
        return play.call(this);
      };
    });
    await page.goto(`${server.origin}/`);
    await page.locator('pulse-chat [part=launcher]').click();
    await input(page).fill('Hi');
    await input(page).press('Enter');
    await button(assistant(page).last(), 'Read aloud').click();
    await page.waitForFunction(() => window.__played.length === 1);
    assert.match((await page.evaluate(() => window.__played))[0], /^blob:/);
    assert.deepEqual(await page.evaluate(() => window.__spoken), []);
    assert.deepEqual(page.errors, []);
    assert.deepEqual(await page.evaluate(() => window.__csp), []);
    await page.context().close();
  });
});

describe('in the thread', () => {
  test('a reloaded chat shows its files (loading the chunk for them) and a refused send says why', async () => {
    const page = await openChat();
    await pick(page, [file('photo.png', 'image/png', PNG_1x1)]);
    await uploaded(page, 1);
    server.api.sendRefusal = 'ATTACHMENT_NOT_SUPPORTED';
    await button(chat(page), 'Send').click();
    await userMessages(page).last().locator('.note.error').getByText('This assistant cannot read images.').waitFor();
    await button(userMessages(page).last(), 'Retry').click();
    await assistant(page).last().getByText('Hello, world!').waitFor();
    await page.reload();
    await page.locator('pulse-chat [part=launcher]').click();
    await userMessages(page).last().locator('img.thumb[alt="photo.png"]').waitFor();
    await page.waitForFunction(
      () =>
        document
          .querySelector('pulse-chat')
          .shadowRoot.querySelector('pulse-chat-panel')
          .shadowRoot.querySelector('img.thumb')?.naturalWidth === 1,
    );
    assert.equal(await chunkLoaded(page), true);
    // Removing the widget revokes the object URLs it made for the thread.
    const url = await userMessages(page).last().locator('img.thumb').getAttribute('src');
    assert.equal(await loads(page, url), true);
    await page.evaluate(() => window.PulseChat.destroy());
    assert.equal(await loads(page, url), false, 'revoked when the panel left the page');
    await page.context().close();
  });

  test('German: the chunk brings its own strings', async () => {
    const page = await openChat('/de');
    server.api.refuse.set('x.pdf', 'ATTACHMENT_ENCRYPTED');
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      button(chat(page), 'Dateien anhängen').click(),
    ]);
    await chooser.setFiles([file('x.pdf', 'application/pdf', '%PDF')]);
    await errors(page).getByText('x.pdf: Das PDF ist passwortgeschützt.').waitFor();
    await button(chat(page), 'Sprachnachricht aufnehmen').waitFor();
    assert.deepEqual(await axe(page), []);
    await page.context().close();
  });
});
