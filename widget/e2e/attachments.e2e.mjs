// Attachments and voice (issue 21) in the widget embedded by script tag, against the real built
// backend (files kept in its folder store) and the OpenAI stand-in, which also transcribes: files
// attached by button, paste and drop, with their progress and previews; a refusal's text; a big
// image resized before upload; the model given the image; a voice message recorded with
// Chromium's fake microphone; axe-core with all of it on screen.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { eventually } from '@pulse/testkit';
import {
  AXE,
  ROOT,
  assistant,
  button,
  chat,
  idle,
  input,
  openChat,
  openPage,
  useStack,
  userMessages,
} from './harness.mjs';

let stack;
let browser;
useStack(
  (s, b) => {
    stack = s;
    browser = b;
  },
  {
    // Small limits, so a few kilobytes of test files cross them; answers read aloud by the stand-in.
    env: { ATTACHMENT_MAX_BYTES: String(2 * 2 ** 20), IMAGE_RESIZE_OVER_BYTES: '100000', SPEECH_MODEL: 'tts-e2e' },
    // A microphone that plays a beep, allowed without asking.
    launch: { args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] },
  },
);

const FIXTURES = join(ROOT, 'backend/test/fixtures/attachments');
const fixture = (name, mimeType) => ({ name, mimeType, buffer: readFileSync(join(FIXTURES, name)) });
const composer = (page) => chat(page).locator('form[part=composer]');
const tray = (page) => composer(page).locator('.tray > li');
const errors = (page) => composer(page).locator('.errors[aria-live=polite]');

/** A host page whose policy also lets thumbnails and audio be object URLs (blob:), as the README says. */
const page = (s) =>
  s.page('', { csp: s.strictCsp.replace("img-src 'self' data:", "img-src 'self' data: blob:; media-src blob:") });

async function pick(p, files) {
  const [chooser] = await Promise.all([p.waitForEvent('filechooser'), button(p, 'Attach files').click()]);
  await chooser.setFiles(files);
}

/** Waits until the composer holds `n` files and none is still uploading. */
async function uploaded(p, n) {
  await tray(p)
    .nth(n - 1)
    .waitFor();
  await composer(p).locator('progress').first().waitFor({ state: 'detached' });
}

/** The panel's textarea receives `type` with a DataTransfer of files made in the page from base64. */
const dispatch = (p, type, files) =>
  input(p).evaluate(
    (textarea, [t, list]) => {
      const dt = new DataTransfer();
      for (const f of list)
        dt.items.add(new File([Uint8Array.from(atob(f.data), (c) => c.charCodeAt(0))], f.name, { type: f.type }));
      const init = { bubbles: true, cancelable: true, composed: true };
      textarea.dispatchEvent(
        t === 'paste'
          ? new ClipboardEvent(t, { ...init, clipboardData: dt })
          : new DragEvent(t, { ...init, dataTransfer: dt }),
      );
    },
    [type, files.map((f) => ({ name: f.name, type: f.mimeType, data: f.buffer.toString('base64') }))],
  );

async function axe(p) {
  await p.evaluate(readFileSync(AXE, 'utf8'));
  const result = await p.evaluate(() =>
    window.axe.run(
      { include: [['pulse-chat']] },
      { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] } },
    ),
  );
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

describe('attachments against the real backend', () => {
  test('button, paste and drop attach files with progress and previews; one removed, the rest sent; the model sees the image', async () => {
    const user = stack.user();
    const p = await openPage(browser, page(stack));
    await openChat(p);
    // Uploads slowed to 8 kB/s (the photo takes about 2 s), so the progress bar is seen moving.
    const cdp = await p.context().newCDPSession(p);
    await cdp.send('Network.enable');
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: 8 * 1024,
    });
    await pick(p, [fixture('photo.png', 'image/png'), fixture('notes.md', 'text/markdown')]);
    const bar = composer(p).getByRole('progressbar', { name: 'Uploading photo.png' });
    await bar.waitFor();
    await eventually('the progress bar to move', async () => {
      const value = await bar.evaluate((el) => el.value).catch(() => 1);
      return value > 0 && value < 1;
    });
    const thumb = tray(p).first().locator('img');
    assert.equal(await thumb.getAttribute('alt'), 'photo.png');
    assert.match(await thumb.getAttribute('src'), /^blob:/);
    assert.match(await tray(p).nth(1).textContent(), /notes\.md.*· MD/);
    await cdp.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: 0,
      downloadThroughput: -1,
      uploadThroughput: -1,
    });
    await uploaded(p, 2);

    await dispatch(p, 'paste', [fixture('photo.webp', 'image/webp')]);
    await tray(p).nth(2).locator('img[alt="photo.webp"]').waitFor();
    await dispatch(p, 'dragover', [fixture('table.csv', 'text/csv')]);
    await chat(p).locator('.drop').getByText('Drop files to attach them').waitFor();
    await dispatch(p, 'drop', [fixture('table.csv', 'text/csv')]);
    await chat(p).locator('.drop').waitFor({ state: 'detached' });
    await uploaded(p, 4);

    await button(p, 'Remove photo.webp').click();
    await tray(p).nth(3).waitFor({ state: 'detached' });
    await input(p).fill('What is in the picture?');
    await input(p).press('Enter');
    await assistant(p).last().locator('.md').getByText('Echo:', { exact: false }).waitFor();
    await idle(p);

    const question = stack.upstream.lastRequest().messages.at(-1);
    const image = question.content.find((part) => part.type === 'image_url');
    assert.match(image.image_url.url, /^data:image\/png;base64,/, 'the model was given the image');
    assert.deepEqual(Buffer.from(image.image_url.url.split(',')[1], 'base64'), fixture('photo.png').buffer);
    const texts = question.content.filter((part) => part.type === 'text').map((part) => part.text);
    assert.equal(texts[0], 'What is in the picture?');
    assert.ok(texts.some((t) => t.includes('notes.md')) && texts.some((t) => t.includes('table.csv')));
    assert.ok(!JSON.stringify(question).includes('photo.webp'), 'the removed file did not go');

    // The thread shows what was sent, read from Pulse with the token.
    const sent = userMessages(p).last();
    await p.waitForFunction(() => {
      const img = document
        .querySelector('pulse-chat')
        .shadowRoot.querySelector('pulse-chat-panel')
        .shadowRoot.querySelector('[part~=user-message] img.thumb');
      return img?.naturalWidth > 0;
    });
    const [download] = await Promise.all([
      p.waitForEvent('download'),
      sent.getByRole('button', { name: /^notes\.md/ }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'notes.md');
    assert.deepEqual(readFileSync(await download.path()), fixture('notes.md').buffer);
    const { body } = await stack.call(user.token, '/api/chat/sessions?limit=1');
    const stored = await stack.call(user.token, `/api/chat/sessions/${body.data[0].id}?limit=50`);
    assert.deepEqual(
      stored.body.messages[0].attachments.map((a) => a.filename),
      ['photo.png', 'notes.md', 'table.csv'],
    );
    assert.deepEqual(await axe(p), []);
    assert.deepEqual(await p.evaluate(() => window.__csp), []);
    assert.deepEqual(p.errors, []);
    await p.context().close();
  });

  test('a file over the limit and a script carrier each show their own text', async () => {
    stack.user();
    const p = await openPage(browser, page(stack));
    await openChat(p);
    const uploads = [];
    p.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/api/chat/attachments') && uploads.push(r));
    await pick(p, [{ name: 'big.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(2 * 2 ** 20 + 1, 32) }]);
    await errors(p).getByText('big.pdf: Too large: at most 2 MB per file.').waitFor();
    assert.equal(uploads.length, 0, 'refused before sending megabytes the server would not read');
    await pick(p, [fixture('drawing.svg', 'image/svg+xml')]);
    await errors(p)
      .getByText('drawing.svg: Files that can carry scripts (HTML, SVG, XML) cannot be attached.')
      .waitFor();
    assert.equal(uploads.length, 1, 'the server refused this one');
    assert.equal(await tray(p).count(), 0);
    await p.context().close();
  });

  test('a 3000×3000 image is resized in the browser before upload', async () => {
    stack.user();
    const p = await openPage(browser, page(stack));
    await openChat(p);
    const answer = p.waitForResponse(
      (r) => r.url().endsWith('/api/chat/attachments') && r.request().method() === 'POST',
    );
    const original = await input(p).evaluate(async (textarea) => {
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
    const upload = await (await answer).json();
    assert.equal(upload.filename, 'squares.webp');
    assert.equal(upload.media_type, 'image/webp');
    assert.ok(upload.size_bytes < original, `${upload.size_bytes} < ${original}`);
    await uploaded(p, 1);
    await input(p).fill('Describe it');
    await input(p).press('Enter');
    await idle(p);
    const image = stack.upstream
      .lastRequest()
      .messages.at(-1)
      .content.find((part) => part.type === 'image_url');
    assert.match(image.image_url.url, /^data:image\/webp;base64,/);
    // Decoded in the page from the bytes (the page's policy lets it fetch no data: URL).
    const size = await p.evaluate(async (b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const bitmap = await createImageBitmap(new Blob([bytes]));
      return [bitmap.width, bitmap.height];
    }, image.image_url.url.split(',')[1]);
    assert.deepEqual(size, [2048, 2048], 'the model got the resized image');
    await p.context().close();
  });

  test('a voice message is recorded, transcribed, shown with its transcript and answered', async () => {
    const user = stack.user();
    const p = await openPage(browser, page(stack));
    await openChat(p);
    await button(p, 'Record a voice message').click();
    const rec = chat(p).getByRole('group', { name: 'Recording' });
    await rec
      .getByRole('timer')
      .getByText(/^0:0[1-9]$/)
      .waitFor();
    await button(p, 'Stop recording').click();
    const transcript = await eventually('the transcript in the composer', async () =>
      (
        await tray(p)
          .first()
          .locator('q')
          .textContent()
          .catch(() => '')
      )?.trim(),
    );
    const [heard] = stack.upstream.transcriptions;
    assert.equal(heard.file.name, 'voice-message.webm');
    assert.ok(heard.file.size > 1000, `a real recording (${heard.file.size} bytes)`);
    await button(p, 'Send').click();
    await assistant(p).last().locator('.md').getByText('Echo:', { exact: false }).waitFor();
    await idle(p);
    const question = userMessages(p).last();
    await question.getByText(transcript).waitFor();
    await question.getByRole('button', { name: 'Play voice message' }).waitFor();
    const { body } = await stack.call(user.token, '/api/chat/sessions?limit=1');
    const stored = await stack.call(user.token, `/api/chat/sessions/${body.data[0].id}?limit=50`);
    assert.equal(stored.body.messages[0].content, transcript, 'the transcript is the stored question');
    assert.equal(stored.body.messages[0].attachments[0].kind, 'audio');
    assert.deepEqual(await axe(p), []);
    await p.context().close();
  });

  test('an answer from a long PDF lists the pages it used, also after a reload', async () => {
    stack.user();
    const p = await openPage(browser, page(stack));
    await openChat(p);
    await pick(p, [fixture('manual-300-pages.pdf', 'application/pdf')]);
    await uploaded(p, 1);
    await input(p).fill('Which part number is on page 137?');
    await input(p).press('Enter');
    const sources = assistant(p)
      .last()
      .locator('.note')
      .getByText(/^Sources: .*manual-300-pages\.pdf, page 137\b/);
    await sources.waitFor();
    await idle(p);
    await p.reload();
    await openChat(p);
    await sources.waitFor();
    await p.context().close();
  });

  test('read aloud plays the voice Pulse made for the answer', async () => {
    stack.user();
    stack.upstream.enqueue({ kind: 'text', text: 'We open at nine.' });
    const p = await openPage(browser);
    await p.addInitScript(() => {
      window.__played = [];
      window.__spoken = [];
      speechSynthesis.speak = (u) => window.__spoken.push(u.text);
      const play = Object.getOwnPropertyDescriptor(HTMLMediaElement.prototype, 'play').value;
      HTMLMediaElement.prototype.play = function () {
        window.__played.push(this.src);
        return play.call(this);
      };
    });
    await p.goto(page(stack));
    await openChat(p);
    await input(p).fill('When do you open?');
    await input(p).press('Enter');
    await assistant(p).last().getByText('We open at nine.').waitFor();
    await idle(p);
    const aloud = assistant(p).last().getByRole('button', { name: 'Read aloud', exact: true });
    await aloud.click();
    await p.waitForFunction(() => window.__played.length === 1);
    assert.match((await p.evaluate(() => window.__played))[0], /^blob:/);
    assert.equal(stack.upstream.speeches[0].body.input, 'We open at nine.');
    assert.equal(await aloud.getAttribute('aria-pressed'), 'true');
    assert.deepEqual(await p.evaluate(() => window.__spoken), [], 'not the browser voice');
    assert.deepEqual(await p.evaluate(() => window.__csp), []);
    assert.deepEqual(p.errors, []);
    await p.context().close();
  });
});
