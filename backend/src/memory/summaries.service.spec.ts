import type { AiProvider, AiStreamEvent } from '../ai/ai-provider.js';
import { AppConfig } from '../config/app-config.js';
import type { Database, Queryable } from '../database/database.js';
import type { MessagesRepository } from '../sessions/messages.repository.js';
import { BackgroundJobs } from './background-jobs.js';
import type { StoredSummary, Turn } from './context-budget.js';
import type { SummariesRepository } from './summaries.repository.js';
import { SummariesService } from './summaries.service.js';

const USER = { id: '00000000-0000-4000-8000-000000000001', claims: {} };
const SESSION = 'session-1';

/** q1, a1, q2, a2, ...: `n` exchanges of a session, oldest first. */
const exchanges = (n: number): Turn[] =>
  Array.from({ length: n }, (_, i) => [
    { id: `q${i + 1}`, role: 'user' as const, content: `question ${i + 1}` },
    { id: `a${i + 1}`, role: 'assistant' as const, content: `answer ${i + 1}` },
  ]).flat();

/**
 * A SummariesService with a window of four turns over a fake session: the branch an answer
 * ends is read from `exchanges`, the model answers "Summary." (its first call fails with
 * `failFirst`), and `hold` keeps the read of an answer's branch waiting until the test opens it.
 */
function setup({ failFirst = false, enabled = true } = {}) {
  const reads: string[] = [];
  const inserted: StoredSummary[] = [];
  const gates = new Map<string, Promise<void>>();
  const hold = (answerId: string) => {
    let open!: () => void;
    gates.set(answerId, new Promise<void>((resolve) => (open = resolve)));
    return open;
  };
  const db = { asUser: (_userId: string, work: (tx: Queryable) => Promise<unknown>) => work({} as Queryable) };
  const messages = {
    window: async (_tx: Queryable, _sessionId: string, answerId: string) => {
      reads.push(answerId);
      await gates.get(answerId);
      return exchanges(Number(answerId.slice(1)));
    },
  };
  const summaries = {
    throughAny: async () => [],
    insert: async (_tx: Queryable, _sessionId: string, summary: StoredSummary) => {
      inserted.push(summary);
      return true;
    },
  };
  let calls = 0;
  const ai = {
    name: 'openai',
    model: 'chat-model',
    async *stream(): AsyncIterable<AiStreamEvent> {
      if (failFirst && calls++ === 0) throw new Error('model down');
      yield { type: 'delta', text: 'Summary.' };
      yield { type: 'done', finishReason: 'stop' };
    },
  } as unknown as AiProvider;
  const config = AppConfig.fromEnvironment({
    JWT_SECRET_KEY: 'x'.repeat(32),
    CONTEXT_SUMMARY: String(enabled),
    MAX_CONTEXT_MESSAGES: '4',
    MAX_CONTEXT_TOKENS: '0',
    DEFAULT_MAX_TOKENS: '50',
    SUMMARY_MODEL: 'summary-model',
    CHAT_TIMEOUT: '10',
  });
  const jobs = new BackgroundJobs();
  const service = new SummariesService(
    db as unknown as Database,
    config,
    summaries as unknown as SummariesRepository,
    messages as unknown as MessagesRepository,
    jobs,
    ai,
    (text: string) => text.length,
  );
  const afterAnswer = (answerId: string) => service.afterAnswer(USER, SESSION, answerId, 'Be brief.');
  return { jobs, reads, inserted, hold, afterAnswer };
}

describe('SummariesService.afterAnswer', () => {
  it('folds the turns that fall out of the next window once the answer is stored', async () => {
    const { jobs, reads, inserted, afterAnswer } = setup();
    afterAnswer('a3');
    await jobs.idle();
    expect(reads).toEqual(['a3']);
    // q1/a1 fall out of the next window of four: the fold takes all but the last half window (q3/a3).
    expect(inserted).toEqual([{ through: 'a2', content: 'Summary.', tokens: 'Summary.'.length }]);
  });

  it('folds an answer stored while a fold of the same session is under way once that fold ends', async () => {
    const { jobs, reads, inserted, hold, afterAnswer } = setup();
    // The fold after a2 has read nothing yet when a3 is stored; what it finds falls short of a3.
    const open = hold('a2');
    afterAnswer('a2');
    afterAnswer('a3');
    expect(reads).toEqual(['a2']);
    const idle = jobs.idle();
    open();
    await idle;
    expect(reads).toEqual(['a2', 'a3']);
    expect(inserted.map((s) => s.through)).toEqual(['a2']);
  });

  it('runs one follow-up for the newest of several answers stored meanwhile', async () => {
    const { jobs, reads, hold, afterAnswer } = setup();
    const open = hold('a2');
    afterAnswer('a2');
    afterAnswer('a3');
    afterAnswer('a4');
    open();
    await jobs.idle();
    expect(reads).toEqual(['a2', 'a4']);
  });

  it('runs the follow-up after a fold that failed', async () => {
    const { jobs, reads, inserted, hold, afterAnswer } = setup({ failFirst: true });
    const open = hold('a3');
    afterAnswer('a3');
    afterAnswer('a4');
    open();
    await jobs.idle();
    expect(reads).toEqual(['a3', 'a4']);
    // a3's fold failed; a4's folds everything before the half window it keeps (q4/a4).
    expect(inserted.map((s) => s.through)).toEqual(['a3']);
  });

  it('folds nothing while CONTEXT_SUMMARY is off', async () => {
    const { jobs, reads, afterAnswer } = setup({ enabled: false });
    afterAnswer('a3');
    await jobs.idle();
    expect(reads).toEqual([]);
  });
});
