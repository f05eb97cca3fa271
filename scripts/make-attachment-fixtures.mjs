// Writes the attachment test files in backend/test/fixtures/attachments/ (their table, with what
// each should give, is fixtures.ts there). Run from the repository root:
//   node scripts/make-attachment-fixtures.mjs
// Needs Debian's espeak-ng, opus-tools and qpdf (apt-get install espeak-ng opus-tools qpdf) and
// Chromium at /usr/bin/chromium. The files are committed; run this only to change them.
//
// How each file is made:
// - photo.png, photo.jpg, photo.webp: a 320x240 drawing on a canvas in headless Chromium, encoded by
//   the browser (toDataURL). photo-jpeg.webp is photo.jpg's bytes under a .webp name.
// - chart.gif: a 240x160 16-colour pattern, encoded here (GIF89a, LZW below).
// - notes.pdf (3 pages, one distinct word per page), manual-300-pages.pdf ('The part number on
//   page N is PX-N.' on every page), long-1001-pages.pdf ('Page N.'): pdf-lib with Helvetica.
// - scanned.pdf: two pages that are only a JPEG each (text drawn on a canvas in Chromium), no text layer.
// - encrypted.pdf: notes.pdf encrypted by qpdf (AES-256, user password 'secret').
// - truncated.pdf: '%PDF-1.7' and the first 300 bytes of notes.pdf's first object, then nothing.
// - report.docx, blank.docx, broken.docx: zip archives written by docxArchive (zip-archive.ts beside
//   the fixtures). blank.docx has paragraphs without text; broken.docx names word/document.xml in
//   its content types but lacks it.
// - archive.zip: a plain zip of one text file.
// - notes.md, table.csv (with a UTF-8 BOM and CRLF lines, as Excel writes it), readme.txt: text
//   written here. latin1.csv: Windows-1252 bytes (not UTF-8).
// - voice.webm: espeak-ng says a sentence into a WAV; Chromium records it with MediaRecorder
//   (audio/webm;codecs=opus) from a fake microphone fed that WAV, as the widget would record.
// - voice.ogg: the same WAV encoded by opusenc (Ogg Opus, what Firefox's MediaRecorder writes).
// - empty.txt: 0 bytes. program.png: a PE header ('MZ', then 'PE\0\0' at 0x80).
// - page.png: an HTML page with a script. drawing.svg: an SVG with a script. feed.xml: an XML file.
// - image.pdf: photo.png's bytes under a .pdf name. document.png: notes.pdf's bytes under a .png name.
// At the end the browser decodes every image and both audio files, and prints their sizes and
// durations: a check that the files are real, not only their first bytes.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PDFDocument, StandardFonts, rgb } from 'pdf-lib';
import { chromium } from 'playwright-core';
// Node runs TypeScript without types; the specs build DOCX files at test time with the same code.
import { docxArchive, zipArchive } from '../backend/test/fixtures/attachments/zip-archive.ts';

const OUT = new URL('../backend/test/fixtures/attachments/', import.meta.url);
const work = mkdtempSync(join(tmpdir(), 'pulse-fixtures-'));
const write = (name, bytes) => writeFileSync(new URL(name, OUT), bytes);
const utf8 = (text) => Buffer.from(text, 'utf8');
// Fixed dates so that regenerating a PDF gives the same bytes.
const FIXED_DATE = new Date('2026-12-01T12:00:00Z');

// --- speech for the audio files ---------------------------------------------------------------
const speechWav = join(work, 'speech.wav');
execFileSync('espeak-ng', ['-s', '170', '-w', speechWav, 'Hello Pulse. What is part P X one three seven?']);
execFileSync('opusenc', ['--quiet', '--bitrate', '24', speechWav, join(work, 'voice.ogg')]);
write('voice.ogg', readFileSync(join(work, 'voice.ogg')));

// --- the browser: images drawn on a canvas, and a MediaRecorder recording ---------------------
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--no-first-run',
    '--use-fake-device-for-media-stream',
    '--use-fake-ui-for-media-stream',
    `--use-file-for-fake-audio-capture=${speechWav}%noloop`,
  ],
});
const page = await browser.newPage();
// getUserMedia needs a secure context: an https page answered here, never fetched.
await page.route('https://fixtures.test/**', (route) =>
  route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>fixtures</title>' }),
);
await page.goto('https://fixtures.test/');

const drawn = await page.evaluate(async () => {
  const photo = document.createElement('canvas');
  photo.width = 320;
  photo.height = 240;
  const g = photo.getContext('2d');
  const sky = g.createLinearGradient(0, 0, 0, 240);
  sky.addColorStop(0, '#3a7bd5');
  sky.addColorStop(1, '#f9d976');
  g.fillStyle = sky;
  g.fillRect(0, 0, 320, 240);
  g.fillStyle = '#2e7d32';
  g.beginPath();
  g.moveTo(0, 240);
  g.lineTo(110, 120);
  g.lineTo(200, 200);
  g.lineTo(260, 140);
  g.lineTo(320, 240);
  g.fill();
  g.fillStyle = '#fff59d';
  g.beginPath();
  g.arc(250, 60, 28, 0, Math.PI * 2);
  g.fill();
  g.fillStyle = '#111';
  g.font = 'bold 22px sans-serif';
  g.fillText('Pulse test photo', 16, 34);

  // A scanned page: black text on white, as a scanner's JPEG would hold it.
  const scan = (lines) => {
    const c = document.createElement('canvas');
    c.width = 612;
    c.height = 792;
    const s = c.getContext('2d');
    s.fillStyle = '#fdfdf8';
    s.fillRect(0, 0, 612, 792);
    s.fillStyle = '#222';
    s.font = '20px serif';
    lines.forEach((line, i) => s.fillText(line, 60, 90 + i * 34));
    return c.toDataURL('image/jpeg', 0.7);
  };
  return {
    png: photo.toDataURL('image/png'),
    jpeg: photo.toDataURL('image/jpeg', 0.85),
    webp: photo.toDataURL('image/webp', 0.8),
    scans: [
      scan(['INVOICE 4411', 'Widgets, 12 boxes ........ 240.00', 'Total due ................ 240.00']),
      scan(['Page two of the scan', 'Paid by bank transfer on 3 December']),
    ],
  };
});
const fromDataUrl = (url) => Buffer.from(url.slice(url.indexOf(',') + 1), 'base64');
write('photo.png', fromDataUrl(drawn.png));
write('photo.jpg', fromDataUrl(drawn.jpeg));
write('photo.webp', fromDataUrl(drawn.webp));
write('photo-jpeg.webp', fromDataUrl(drawn.jpeg));
write('image.pdf', fromDataUrl(drawn.png));

const webm = await page.evaluate(async () => {
  const stream = await navigator.mediaDevices.getUserMedia({ audio: true });
  const recorder = new MediaRecorder(stream, { mimeType: 'audio/webm;codecs=opus' });
  const parts = [];
  recorder.ondataavailable = (event) => parts.push(event.data);
  const stopped = new Promise((resolve) => (recorder.onstop = resolve));
  recorder.start();
  // The sentence lasts about 2.5 s; this is a recording, not a test, so a timer is what it takes.
  await new Promise((resolve) => setTimeout(resolve, 2600));
  recorder.stop();
  await stopped;
  stream.getTracks().forEach((track) => track.stop());
  const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
});
write('voice.webm', Buffer.from(webm, 'base64'));

// --- GIF --------------------------------------------------------------------------------------
write('chart.gif', gif89a(240, 160));

/** A GIF89a of a 16-colour pattern (global palette, one image, LZW as GIF's decoders expect). */
function gif89a(width, height) {
  const palette = [];
  for (let i = 0; i < 16; i++) palette.push((i * 53) % 256, (i * 97 + 40) % 256, (255 - i * 16) % 256);
  const pixels = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const ring = Math.floor(Math.hypot(x - width / 2, y - height / 2) / 12);
      pixels[y * width + x] = (ring + (x >> 5)) & 15;
    }
  }
  const minCodeSize = 4;
  const lzw = lzwEncode(pixels, minCodeSize);
  const blocks = [];
  for (let i = 0; i < lzw.length; i += 255) {
    const piece = lzw.slice(i, i + 255);
    blocks.push(piece.length, ...piece);
  }
  const u16 = (n) => [n & 0xff, n >> 8];
  return Buffer.from([
    ...Buffer.from('GIF89a'),
    ...u16(width),
    ...u16(height),
    0xf3, // global colour table, 8 bits of colour resolution, 2^(3+1) = 16 entries
    0,
    0,
    ...palette,
    0x2c,
    ...u16(0),
    ...u16(0),
    ...u16(width),
    ...u16(height),
    0,
    minCodeSize,
    ...blocks,
    0,
    0x3b,
  ]);
}

function lzwEncode(indices, minCodeSize) {
  const clearCode = 1 << minCodeSize;
  const endCode = clearCode + 1;
  let codeSize = minCodeSize + 1;
  let next = endCode + 1;
  let table = new Map();
  const out = [];
  let bits = 0;
  let bitCount = 0;
  const emit = (code) => {
    bits |= code << bitCount;
    bitCount += codeSize;
    while (bitCount >= 8) {
      out.push(bits & 0xff);
      bits >>>= 8;
      bitCount -= 8;
    }
  };
  emit(clearCode);
  let prefix = indices[0];
  for (let i = 1; i < indices.length; i++) {
    const key = prefix * 256 + indices[i];
    const known = table.get(key);
    if (known !== undefined) {
      prefix = known;
      continue;
    }
    emit(prefix);
    if (next === 4096) {
      emit(clearCode);
      table = new Map();
      codeSize = minCodeSize + 1;
      next = endCode + 1;
    } else {
      if (next >= 1 << codeSize) codeSize++;
      table.set(key, next++);
    }
    prefix = indices[i];
  }
  emit(prefix);
  emit(endCode);
  if (bitCount > 0) out.push(bits & 0xff);
  return out;
}

// --- PDFs -------------------------------------------------------------------------------------
async function newPdf() {
  const pdf = await PDFDocument.create();
  pdf.setCreationDate(FIXED_DATE);
  pdf.setModificationDate(FIXED_DATE);
  pdf.setProducer('Pulse fixtures');
  pdf.setCreator('scripts/make-attachment-fixtures.mjs');
  return pdf;
}

async function textPdf(pages) {
  const pdf = await newPdf();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (const lines of pages) {
    const sheet = pdf.addPage([612, 792]);
    lines.forEach((line, i) => sheet.drawText(line, { x: 60, y: 720 - i * 22, size: 13, font, color: rgb(0, 0, 0) }));
  }
  return pdf.save();
}

const notes = await textPdf([
  ['Meeting notes, page one.', 'We talked about the aardvark enclosure.', 'It needs a new gate before spring.'],
  ['Page two covers the budget.', 'The bramble hedge costs 300 euros to trim.'],
  ['Page three lists the birds.', 'A cormorant was seen on the pond on Tuesday.'],
]);
write('notes.pdf', notes);
write('document.png', notes);
write('truncated.pdf', Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from(notes).subarray(9, 309)]));

const manualPages = [];
for (let n = 1; n <= 300; n++) {
  manualPages.push([
    `Pulse service manual, page ${n} of 300.`,
    `The part number on page ${n} is PX-${n}.`,
    'Keep the unit dry and away from heat. Clean the filter every month.',
  ]);
}
write('manual-300-pages.pdf', await textPdf(manualPages));
// One page more than ATTACHMENT_PDF_MAX_PAGES' default (1000).
write('long-1001-pages.pdf', await textPdf(Array.from({ length: 1001 }, (_, i) => [`Page ${i + 1}.`])));

const scanned = await newPdf();
for (const url of drawn.scans) {
  const image = await scanned.embedJpg(fromDataUrl(url));
  scanned.addPage([612, 792]).drawImage(image, { x: 0, y: 0, width: 612, height: 792 });
}
write('scanned.pdf', await scanned.save());

const notesPath = join(work, 'notes.pdf');
writeFileSync(notesPath, notes);
execFileSync('qpdf', ['--encrypt', 'secret', 'owner-secret', '256', '--', notesPath, join(work, 'encrypted.pdf')]);
write('encrypted.pdf', readFileSync(join(work, 'encrypted.pdf')));

// --- DOCX and zip -----------------------------------------------------------------------------
write(
  'report.docx',
  docxArchive([
    'Quarterly report',
    'Sales of the Nordlicht lamp rose by 14 percent in the third quarter.',
    'The warehouse in Tromsø ships every order within two days.',
  ]),
);
write('blank.docx', docxArchive(['', '']));
write('broken.docx', docxArchive([], { omitDocument: true }));
write('archive.zip', zipArchive([['hello.txt', utf8('Hello from inside a zip.\n')]]));

// --- text -------------------------------------------------------------------------------------
write(
  'notes.md',
  utf8(
    '# Release checklist\n\n' +
      'Before a release we check three things:\n\n' +
      '1. The **changelog** names every fix.\n' +
      '2. The migration runs on a copy of production.\n' +
      '3. The widget loads on the kiwi-shop test page.\n\n' +
      '> Ship on Tuesdays, never on Fridays.\n',
  ),
);
write(
  'table.csv',
  Buffer.concat([
    Buffer.from([0xef, 0xbb, 0xbf]),
    utf8('sku,name,price\r\nPX-1,Kühlschrank,499.00\r\nPX-2,Café table,89.50\r\nPX-3,Lamp 💡,19.99\r\n'),
  ]),
);
write(
  'readme.txt',
  utf8(
    'Pulse readme\n\n' +
      'Pulse is an embeddable chat. This file is plain text in UTF-8: naïve café, Ελληνικά, 日本語.\n' +
      'The secret word is marmalade.\n',
  ),
);
write('latin1.csv', Buffer.from('name,city\nJosé,Málaga\nRenée,Zürich\n', 'latin1'));
write('empty.txt', Buffer.alloc(0));

// --- things that must be refused --------------------------------------------------------------
const pe = Buffer.alloc(256);
pe.write('MZ', 0, 'latin1');
pe.writeUInt32LE(0x80, 0x3c);
pe.write('PE\0\0', 0x80, 'latin1');
pe.writeUInt16LE(0x14c, 0x84); // i386
write('program.png', pe);
write(
  'page.png',
  utf8(
    '<!DOCTYPE html>\n<html><head><title>Hi</title></head><body><script>alert(document.cookie)</script></body></html>\n',
  ),
);
write(
  'drawing.svg',
  utf8(
    '<svg xmlns="http://www.w3.org/2000/svg" width="100" height="100"><circle cx="50" cy="50" r="40" fill="red"/>' +
      '<script>alert(1)</script></svg>\n',
  ),
);
write(
  'feed.xml',
  utf8('<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>Feed</title></channel></rss>\n'),
);

// --- check: the browser decodes what was written -----------------------------------------------
const read = (name) => readFileSync(new URL(name, OUT)).toString('base64');
const decoded = await page.evaluate(
  async ({ images, audio }) => {
    const result = {};
    for (const [name, type, data] of images) {
      const image = new Image();
      image.src = `data:${type};base64,${data}`;
      await image.decode();
      result[name] = `${image.naturalWidth}x${image.naturalHeight}`;
    }
    for (const [name, data] of audio) {
      const bytes = Uint8Array.from(atob(data), (c) => c.charCodeAt(0));
      const buffer = await new AudioContext().decodeAudioData(bytes.buffer);
      result[name] = `${buffer.duration.toFixed(2)} s`;
    }
    return result;
  },
  {
    images: [
      ['photo.png', 'image/png', read('photo.png')],
      ['photo.jpg', 'image/jpeg', read('photo.jpg')],
      ['photo.webp', 'image/webp', read('photo.webp')],
      ['chart.gif', 'image/gif', read('chart.gif')],
    ],
    audio: [
      ['voice.webm', read('voice.webm')],
      ['voice.ogg', read('voice.ogg')],
    ],
  },
);
console.log(decoded);
await browser.close();
rmSync(work, { recursive: true, force: true });
