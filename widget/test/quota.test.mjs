// A send refused over a daily quota (429 QUOTA_EXCEEDED) says so in words, in the page's language:
// which limit, and when the visitor may write again on their own clock (the weekday too when the
// reset, midnight UTC, falls on another local day).
import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { events, html, jwt, openPage, useServer } from './helpers.mjs';

const TOKEN = jwt('user-1');
let server;
let browser;

useServer((s, b) => {
  server = s;
  browser = b;
  const embed = (o) => `<script src="/widget/pulse-chat.js" data-api-url="${o}" async></script>`;
  server.pages.set('/', (o) => html(embed(o)));
  server.pages.set('/de', (o) => html(embed(o), { lang: 'de' }));
});
beforeEach(() => server.api.reset());

const input = (page) => page.locator('pulse-chat form[part=composer] textarea');
const note = (page) => page.locator('pulse-chat [part~=user-message] .note.error');
const sends = () => server.api.requests.filter((r) => r.path === '/api/chat/send');

// The page's clock is fixed at noon UTC today: whether the reset falls on another local day
// depends on the hour, and the test must not depend on when it runs.
const NOW = new Date();
NOW.setUTCHours(12, 0, 0, 0);

/** The next midnight UTC after NOW, as the backend's resets_at. */
const nextUtcMidnight = () => {
  const d = new Date(NOW);
  d.setUTCHours(24, 0, 0, 0);
  return d.toISOString();
};

/** The reset time as a visitor in `timeZone` reads it (the widget's own format). */
const localTime = (iso, lang, timeZone, weekday) =>
  new Date(iso).toLocaleTimeString(lang, {
    hour: '2-digit',
    minute: '2-digit',
    timeZone,
    ...(weekday && { weekday: 'long' }),
  });

async function refusedSend(path, timezoneId, quota) {
  server.api.quota = quota;
  const page = await openPage(browser, null, { token: TOKEN, contextOptions: { timezoneId } });
  await page.clock.setFixedTime(NOW);
  await page.goto(`${server.origin}${path}`);
  await page.locator('pulse-chat [part=launcher]').click();
  await input(page).fill('One more question');
  await input(page).press('Enter');
  await note(page).waitFor();
  return page;
}

describe('daily quota', () => {
  test('messages: the limit and the local time it resets (New York at 07:00: the same day, no weekday)', async () => {
    const resets = nextUtcMidnight();
    const page = await refusedSend('/', 'America/New_York', { quota: 'messages', limit: 20, resets_at: resets });
    const time = localTime(resets, 'en', 'America/New_York', false);
    assert.match(time, /^\d\d:00\s[AP]M$/, 'a clock time, not the ISO string');
    const words = `You've reached today's limit of 20 messages. You can write again at ${time} (your time).`;
    assert.equal((await note(page).textContent()).replace(/\s+Retry\s*$/, '').trim(), words);
    assert.equal(await note(page).getAttribute('role'), 'alert');
    // The live region says it too, and the host hears the code.
    await page.locator('pulse-chat [aria-live=polite]').getByText(words).waitFor({ state: 'attached' });
    assert.equal((await events(page, 'pulse-error'))[0].detail.code, 'QUOTA_EXCEEDED');
    assert.equal(sends().length, 1);
    await page.context().close();
  });

  test('tokens, in German, where the reset is tomorrow (Tokyo at 21:00): names the weekday', async () => {
    const resets = nextUtcMidnight();
    const page = await refusedSend('/de', 'Asia/Tokyo', { quota: 'tokens', limit: 50000, resets_at: resets });
    const time = localTime(resets, 'de', 'Asia/Tokyo', true);
    assert.match(time, /^\p{L}+,? 09:00$/u, `a weekday and 09:00: ${time}`);
    await note(page)
      .getByText(`Sie haben das heutige Nutzungslimit erreicht. Sie können um ${time} (Ihre Zeit) wieder schreiben.`)
      .waitFor();
    assert.doesNotMatch(await note(page).textContent(), /50000|QUOTA/, 'no token count or code shown to a visitor');
    await page.context().close();
  });
});
