// The message controls and the chats list against the real backend (issue 10): copy, delete
// confirmation and timestamps work on any backend; regenerate, edit, the ‹ n/m › version switch,
// thumbs with a comment and search need the issue-10 API (branches, feedback, search).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { eventually } from '@pulse/testkit';
import { assistant, button, chat, idle, openChat, openPage, send, useStack, userMessages } from './harness.mjs';

let stack;
let browser;
useStack((s, b) => {
  stack = s;
  browser = b;
});

const sessionOf = async (token) => (await stack.call(token, '/api/chat/sessions')).body.data[0];
const branch = async (token, id) => (await stack.call(token, `/api/chat/sessions/${id}?limit=50`)).body.messages;

async function chatWith(questions) {
  const user = stack.user();
  const page = await openPage(browser, stack.page(), { permissions: ['clipboard-read', 'clipboard-write'] });
  await openChat(page);
  for (const q of questions) {
    await send(page, q);
    await assistant(page).last().getByText(`Echo: ${q}`).waitFor();
    await idle(page);
  }
  return { user, page };
}

describe('controls on any backend', () => {
  test('copy, timestamps of the stored messages, and delete only after a confirmation', async () => {
    const { user, page } = await chatWith(['Where is my order?']);
    const answer = assistant(page).last();
    await answer.getByRole('button', { name: 'Copy', exact: true }).click();
    assert.equal(await page.evaluate(() => navigator.clipboard.readText()), 'Echo: Where is my order?');
    const session = await sessionOf(user.token);
    const stored = await branch(user.token, session.id);
    const times = await chat(page)
      .locator('[part=message-actions] time')
      .evaluateAll((t) => t.map((x) => x.dateTime));
    assert.equal(times.length, 2);
    // The answer's time is the stored one once it has been read back; the question's is when it was sent.
    assert.ok(Math.abs(Date.parse(times[0]) - Date.parse(stored[0].created_at)) < 60_000);
    assert.deepEqual(await chat(page).locator('li.day').allTextContents(), ['Today']);

    await button(page, 'Earlier chats').click();
    const list = chat(page).locator('[part=sessions]');
    await button(page, `Delete: ${session.title}`).click();
    const confirm = list.getByRole('group', { name: 'Delete' });
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    assert.equal((await stack.call(user.token, `/api/chat/sessions/${session.id}`)).status, 200, 'kept');
    await button(page, `Delete: ${session.title}`).click();
    await confirm.getByRole('button', { name: 'Delete', exact: true }).click();
    await chat(page).getByText('No earlier chats yet.').waitFor();
    assert.equal((await stack.call(user.token, `/api/chat/sessions/${session.id}`)).status, 404, 'deleted');
    await page.context().close();
  });
});

// These need the issue-10 endpoints (branches, feedback, search) in the backend under test.
describe('controls on the issue-10 API', () => {
  test('regenerate stores a second answer; ‹ › switches the active branch', async () => {
    const { user, page } = await chatWith(['Name a colour']);
    stack.upstream.enqueue({ kind: 'text', text: 'Teal, this time.' });
    await button(page, 'Regenerate').click();
    await assistant(page).last().getByText('Teal, this time.').waitFor();
    await idle(page);
    const versions = assistant(page).last().locator('.versions');
    await versions.getByText('2/2').waitFor();
    const session = await sessionOf(user.token);
    let stored = await branch(user.token, session.id);
    assert.deepEqual(
      stored.map((m) => m.content),
      ['Name a colour', 'Teal, this time.'],
    );
    assert.equal(stored[1].sibling_ids.length, 2);

    await versions.getByRole('button', { name: 'Previous version' }).click();
    await assistant(page).last().getByText('Echo: Name a colour').waitFor();
    await versions.getByText('1/2').waitFor();
    stored = await branch(user.token, session.id);
    assert.equal(stored[1].content, 'Echo: Name a colour', 'the switch is stored: a reload shows the same branch');
    await page.context().close();
  });

  test('edit and resend answers the new question on a new branch', async () => {
    const { user, page } = await chatWith(['Opening hours on Sundy?']);
    const question = userMessages(page).last();
    await question.getByRole('button', { name: 'Edit', exact: true }).click();
    await question.getByRole('textbox', { name: 'Edit' }).fill('Opening hours on Sunday?');
    await question.getByRole('button', { name: 'Save', exact: true }).click();
    await assistant(page).last().getByText('Echo: Opening hours on Sunday?').waitFor();
    await idle(page);
    await userMessages(page).last().locator('.versions').getByText('2/2').waitFor();
    const stored = await branch(user.token, (await sessionOf(user.token)).id);
    assert.deepEqual(
      stored.map((m) => m.content),
      ['Opening hours on Sunday?', 'Echo: Opening hours on Sunday?'],
    );
    await page.context().close();
  });

  test('thumbs down with a comment is stored with the answer; thumbs up replaces it', async () => {
    const { user, page } = await chatWith(['Is it vegan?']);
    const answer = assistant(page).last();
    await answer.getByRole('button', { name: 'Bad answer' }).click();
    await answer.getByRole('textbox', { name: 'What was wrong? (optional)' }).fill('It did not say.');
    await answer.getByRole('button', { name: 'Save', exact: true }).click();
    await answer.locator('[aria-label="Bad answer"][aria-pressed=true]').waitFor();
    const id = (await sessionOf(user.token)).id;
    // The thumb's own PUT may answer before Save's: the page shows it pressed either way.
    let stored = await eventually('the comment stored', async () => {
      const messages = await branch(user.token, id);
      return messages[1].feedback?.comment ? messages : null;
    });
    assert.deepEqual(
      { rating: stored[1].feedback?.rating, comment: stored[1].feedback?.comment },
      { rating: 'down', comment: 'It did not say.' },
    );
    await answer.getByRole('button', { name: 'Good answer' }).click();
    await answer.locator('[aria-label="Good answer"][aria-pressed=true]').waitFor();
    stored = await branch(user.token, id);
    assert.equal(stored[1].feedback?.rating, 'up');
    await page.context().close();
  });

  test('search in the chats list finds a chat by a word in its messages', async () => {
    const { page } = await chatWith(['Do you ship to Iceland?']);
    await button(page, 'New chat').click();
    await send(page, 'What about returns?');
    await assistant(page).last().getByText('Echo: What about returns?').waitFor();
    await idle(page);
    await button(page, 'Earlier chats').click();
    const list = chat(page).locator('[part=sessions]');
    await list.locator('.open').nth(1).waitFor();
    await chat(page).getByRole('searchbox', { name: 'Search chats' }).fill('Iceland');
    await list
      .locator('.snippet')
      .getByText(/Iceland/)
      .first()
      .waitFor();
    assert.equal(await list.locator('.open').count(), 1);
    await page.context().close();
  });
});
