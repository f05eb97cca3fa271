#!/usr/bin/env node
// Measures the script-tag build with brotli (quality 11, as CDNs serve it) and fails past budget.
// "Bubble" is what a page downloads before the bubble shows: pulse-chat.js alone.
// "Total" adds everything the script can load later: pulse-chat-panel.js and its imports, every
// language chunk included; a page loads only one language (the "per language" lines), so the
// budget held by "total" is stricter than the issue's "per language" one.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url);
const BUBBLE_BUDGET = 6 * 1024;
const TOTAL_BUDGET = 25 * 1024;

const brotli = (file) =>
  brotliCompressSync(readFileSync(new URL(file, dist)), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;

// The manifest lists each chunk's static and dynamic imports; walk them from the panel entry.
const manifest = JSON.parse(readFileSync(new URL('.vite/manifest.json', dist), 'utf8'));
const panelKey = Object.keys(manifest).find((k) => manifest[k].file === 'pulse-chat-panel.js');
const lazy = new Set();
const walk = (key) => {
  const chunk = manifest[key];
  if (!chunk || lazy.has(chunk.file)) return;
  lazy.add(chunk.file);
  for (const k of [...(chunk.imports ?? []), ...(chunk.dynamicImports ?? [])]) walk(k);
};
walk(panelKey);

const rows = [['pulse-chat.js', brotli('pulse-chat.js')], ...[...lazy].map((f) => [f, brotli(f)])];
const bubble = rows[0][1];
const total = rows.reduce((sum, [, n]) => sum + n, 0);
const kb = (n) => `${(n / 1024).toFixed(2)} KB`;
for (const [file, n] of rows) console.log(`${file.padEnd(40)} ${kb(n).padStart(10)} brotli`);
const locales = Object.values(manifest).filter((c) => /\/i18n\/locales\//.test(c.src ?? ''));
const localeBytes = new Map(rows.filter(([f]) => locales.some((c) => c.file === f)));
const shared = total - [...localeBytes.values()].reduce((sum, n) => sum + n, 0);
for (const c of locales) {
  const lang = /locales\/(\w+)\./.exec(c.src)[1];
  console.log(`${`per language: ${lang}`.padEnd(40)} ${kb(shared + localeBytes.get(c.file)).padStart(10)}`);
}
console.log(`${'per language: en (built in)'.padEnd(40)} ${kb(shared).padStart(10)}`);
console.log(`${'bubble (first paint)'.padEnd(40)} ${kb(bubble).padStart(10)} / ${kb(BUBBLE_BUDGET)}`);
console.log(`${'total (everything)'.padEnd(40)} ${kb(total).padStart(10)} / ${kb(TOTAL_BUDGET)}`);

const over = [bubble > BUBBLE_BUDGET && 'bubble', total > TOTAL_BUDGET && 'total'].filter(Boolean);
if (over.length) {
  console.error(`Size budget exceeded: ${over.join(', ')}`);
  process.exit(1);
}
