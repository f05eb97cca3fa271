import { eventually } from '@pulse/testkit';
import { BackgroundJobs } from '../src/memory/background-jobs.js';
import { sendJson } from './support/chat.js';
import { TEST_DB, useChatApp } from './support/test-app.js';

const CHAT_MODEL = 'chat-model';
const TITLE_MODEL = 'title-model';

describe(`titles by the model (${TEST_DB})`, () => {
  const { t, upstream } = useChatApp({ OPENAI_MODEL: CHAT_MODEL, TITLE_MODEL });

  const jobsDone = () => t.app.get(BackgroundJobs).idle();
  const titleRequests = () => upstream.requests.filter((r) => r.body.model === TITLE_MODEL);
  const titleOf = async (auth: { Authorization: string }, id: string) => {
    const res = await fetch(`${t.url}/api/chat/sessions/${id}`, { headers: auth });
    return ((await res.json()) as { title: string }).title;
  };

  it('replaces the first-line title with the model’s, cleaned, after the first answer only', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', text: 'Steep it for three minutes.', forModel: CHAT_MODEL });
    upstream.enqueue({ kind: 'text', text: 'Title: "Brewing green tea."\nExtra line', forModel: TITLE_MODEL });
    const first = await sendJson(t, u.auth, { message: 'how long do i steep green tea??\nthanks' });
    expect(first.status).toBe(200);
    // The answer does not wait for the title: it carries the first-line one.
    expect(first.body.title).toBe('how long do i steep green tea??');
    await jobsDone();

    expect(await titleOf(u.auth, first.body.session_id)).toBe('Brewing green tea');
    const [request] = titleRequests();
    expect(request.body.messages[1].content).toBe(
      'User: how long do i steep green tea??\nthanks\n\nAssistant: Steep it for three minutes.',
    );

    // A later answer in the same chat asks for no new title.
    await sendJson(t, u.auth, { message: 'And black tea?', session_id: first.body.session_id });
    await jobsDone();
    expect(titleRequests()).toHaveLength(1);
    expect(await titleOf(u.auth, first.body.session_id)).toBe('Brewing green tea');
  });

  it('never overwrites a title the user set while the model was thinking', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'text', text: 'Model title', firstTokenDelayMs: 3000, forModel: TITLE_MODEL });
    const first = await sendJson(t, u.auth, { message: 'Plan my trip' });
    const id = first.body.session_id as string;
    // The title request is out; the user renames before it comes back.
    await eventually('the title requested', () => titleRequests().length === 1);
    const renamed = await fetch(`${t.url}/api/chat/sessions/${id}`, {
      method: 'PUT',
      headers: { ...u.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'My own title' }),
    });
    expect(renamed.status).toBe(200);
    await jobsDone();
    expect(await titleOf(u.auth, id)).toBe('My own title');
  });

  it('keeps the first-line title when the title call fails or says nothing', async () => {
    const u = await t.user();
    upstream.enqueue({ kind: 'error', status: 500, forModel: TITLE_MODEL });
    const failed = await sendJson(t, u.auth, { message: 'First chat' });
    upstream.enqueue({ kind: 'text', text: '  ""  ', forModel: TITLE_MODEL });
    const empty = await sendJson(t, u.auth, { message: 'Second chat' });
    await jobsDone();
    expect(titleRequests()).toHaveLength(2);
    expect(await titleOf(u.auth, failed.body.session_id)).toBe('First chat');
    expect(await titleOf(u.auth, empty.body.session_id)).toBe('Second chat');
  });

  it('leaves a chat created with a title of its own alone', async () => {
    const u = await t.user();
    const res = await fetch(`${t.url}/api/chat/sessions`, {
      method: 'POST',
      headers: { ...u.auth, 'Content-Type': 'application/json' },
      body: JSON.stringify({ title: 'Named by the user' }),
    });
    const { id } = (await res.json()) as { id: string };
    await sendJson(t, u.auth, { message: 'Hello', session_id: id });
    await jobsDone();
    expect(titleRequests()).toHaveLength(0);
    expect(await titleOf(u.auth, id)).toBe('Named by the user');
  });
});
