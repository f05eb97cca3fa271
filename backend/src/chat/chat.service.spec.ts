import { AttachmentInputs } from '../attachments/attachment-inputs.js';
import type { AttachmentsRepository } from '../attachments/attachments.repository.js';
import { MessageAttachments } from '../attachments/message-attachments.js';
import type { AttachmentStore } from '../attachments/storage/attachment-store.js';
import { jest } from '@jest/globals';
import diagnostics from 'node:diagnostics_channel';
import { createServer, type Server } from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { OpenAiProvider } from '../ai/openai.provider.js';
import type { AiProvider, AiRequest, AiStreamEvent } from '../ai/ai-provider.js';
import { AppConfig } from '../config/app-config.js';
import { Database, type Queryable, type QueryResult } from '../database/database.js';
import { ContextPlanner } from '../memory/context-planner.js';
import type { SummariesService } from '../memory/summaries.service.js';
import type { TitlesService } from '../memory/titles.service.js';
import type { MessageDto } from '../sessions/dto/session.dto.js';
import type { MessagesRepository } from '../sessions/messages.repository.js';
import type { SessionsRepository } from '../sessions/sessions.repository.js';
import { MemoryLiveAnswers } from '../streams/live-answers.memory.js';
import type { LostAnswers } from '../streams/lost-answers.js';
import { LocalSessionTurns, type SessionTurns } from '../streams/session-turns.js';
import type { AnswerOutput } from './answer-output.js';
import { ToolDefinitions } from '../tools/tool-definitions.js';
import type { ToolWaitsRepository } from '../tools/tool-waits.repository.js';
import type { UsageRepository } from '../usage/usage.repository.js';
import type { UsageService } from '../usage/usage.service.js';
import { ChatService } from './chat.service.js';
import type { SendResultDto } from './dto/send-result.dto.js';
import type { IdempotencyService } from './idempotency.service.js';
import { KnownWindows } from './known-windows.js';
import { QuestionsService } from './questions.service.js';

const USER = { id: '00000000-0000-4000-8000-000000000001', claims: {} };
const SESSION = { id: '00000000-0000-4000-8000-0000000000a1', title: 'Hi', system_prompt: null };
const QUESTION = { id: '00000000-0000-4000-8000-0000000000b1', seq: 1 } as MessageDto;

const CONFIG = AppConfig.fromEnvironment({
  JWT_SECRET_KEY: 'x'.repeat(32),
  MAX_CONTEXT_MESSAGES: '10',
  MAX_CONTEXT_TOKENS: '0',
  DEFAULT_SYSTEM_PROMPT: 'Be brief.',
  DEFAULT_TEMPERATURE: '0.5',
  DEFAULT_MAX_TOKENS: '50',
  CHAT_TIMEOUT: '10',
});

/** A Database whose transactions run `commit` (the test's say) where the real one sends COMMIT. */
class ScriptedDatabase extends Database {
  readonly kind = 'pglite' as const;

  constructor(private readonly commit: () => Promise<void>) {
    super();
  }

  async query<T>(): Promise<QueryResult<T>> {
    return { rows: [], rowCount: 0 };
  }

  async execScript(): Promise<void> {}

  async transaction<T>(fn: (tx: Queryable) => Promise<T>, _setup?: string, beforeCommit?: (result: T) => void) {
    const result = await fn(this);
    beforeCommit?.(result);
    await this.commit();
    return result;
  }

  async close(): Promise<void> {}
}

/** A ChatService over the given fakes, with the settings, summaries, titles and token count every test here uses. */
function chatService(parts: {
  db: Database;
  messages: unknown;
  idempotency: unknown;
  turns: SessionTurns;
  ai: AiProvider;
  known: KnownWindows;
  forWindow?: () => Promise<never[]>;
}): ChatService {
  const messages = parts.messages as MessagesRepository;
  const idempotency = parts.idempotency as IdempotencyService;
  const forWindow = parts.forWindow ?? (async () => []);
  const summaries = { forWindow, afterAnswer: () => undefined } as unknown as SummariesService;
  return new ChatService(
    parts.db,
    CONFIG,
    messages,
    new QuestionsService(
      parts.db,
      CONFIG,
      {} as SessionsRepository,
      messages,
      idempotency,
      new MessageAttachments(CONFIG, {} as AttachmentsRepository),
      {} as UsageRepository,
    ),
    idempotency,
    parts.turns,
    new MemoryLiveAnswers(60_000),
    {} as LostAnswers,
    new ContextPlanner(CONFIG, summaries, (text: string) => text.length),
    summaries,
    { afterFirstAnswer: () => undefined } as unknown as TitlesService,
    parts.known,
    // No turn here carries files: the inputs are the plan's messages as they are.
    new AttachmentInputs(parts.db, CONFIG, {} as AttachmentsRepository, {} as AttachmentStore, (t: string) => t.length),
    // Failed sends are counted for the analytics elsewhere (usage e2e); not these tests' concern.
    { recordSendError: () => undefined } as unknown as UsageService,
    new ToolDefinitions(CONFIG),
    {} as ToolWaitsRepository,
    parts.ai,
    (text: string) => text.length,
  );
}

/** An output that notes what the send wrote to it, and hands the result (or the error) back. */
function recordingOutput(log: string[] = [], onText?: () => void) {
  let result: SendResultDto | undefined;
  const out: AnswerOutput = {
    streamed: false,
    open: () => void log.push('prepared'),
    text: (text) => {
      log.push(`delta ${text}`);
      onText?.();
    },
    finish: async (r) => void (result = r),
    fail: async (err) => {
      throw err;
    },
    sources: () => undefined,
    toolInputStart: () => undefined,
    toolInputDelta: () => undefined,
    toolInput: () => undefined,
    toolOutput: () => undefined,
    dispose: () => undefined,
  };
  return { out, result: () => result! };
}

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * A ChatService whose database commits only when the test says so (or fails to), and whose
 * model answers "Hello" at once and then waits for the test or an abort. `log` records the
 * order in which things happened.
 */
function setup({ letGoFails = false, planFails = false } = {}) {
  const log: string[] = [];
  const commit = deferred();
  const firstDeltaSent = deferred();
  const finish = deferred();
  let request: AiRequest | undefined;
  const db = new ScriptedDatabase(async () => {
    await commit.promise;
    log.push('committed');
  });
  const ai: AiProvider = {
    name: 'openai',
    model: 'test-model',
    async *stream(req: AiRequest): AsyncGenerator<AiStreamEvent> {
      request = req;
      log.push('model asked');
      try {
        yield { type: 'delta', text: 'Hello' };
        log.push('model went on');
        await Promise.race([finish.promise, new Promise((r) => req.signal.addEventListener('abort', r))]);
        if (req.signal.aborted) throw new Error('aborted');
        yield { type: 'done', finishReason: 'stop' };
      } finally {
        // As a provider whose aborted response body fails as it is released.
        // oxlint-disable-next-line no-unsafe-finally -- a release that throws is the case under test.
        if (letGoFails) throw new Error('The operation was aborted');
      }
    },
  };
  const messages = {
    appendToActiveSession: jest.fn(async () => ({
      session: SESSION,
      message: QUESTION,
      window: [{ id: QUESTION.id, role: 'user' as const, content: 'Hi' }],
    })),
    append: jest.fn(async () => ({ id: 'answer' })),
  };
  const idempotency = {
    claim: jest.fn(async () => ({})),
    attach: jest.fn(async () => undefined),
    complete: jest.fn(async () => undefined),
    fail: jest.fn(async () => undefined),
  };
  const service = chatService({
    db,
    messages,
    idempotency,
    turns: new LocalSessionTurns(),
    ai,
    known: new KnownWindows(),
    ...(planFails ? { forWindow: () => Promise.reject(new Error('the plan failed')) } : {}),
  });
  const output = recordingOutput(log, () => firstDeltaSent.resolve());
  const send = () =>
    service
      .send(USER, { message: 'Hi', session_id: SESSION.id }, { idempotencyKey: 'key-1' }, output.out)
      .then(output.result);
  /** Resolves once the model has produced its first delta (it waits, unread, for the commit). */
  const modelAnswered = async () => {
    while (!log.includes('model asked')) await new Promise((r) => setImmediate(r));
  };
  return { log, commit, finish, firstDeltaSent, send, messages, idempotency, request: () => request, modelAnswered };
}

describe('ChatService.send: the model call and the question commit', () => {
  it('asks the model before the commit resolves, but passes nothing on until it did', async () => {
    const t = setup();
    const sent = t.send();
    await t.modelAnswered();
    // The model's first words are there; the commit is not.
    expect(t.log).toEqual(['model asked']);

    t.commit.resolve();
    await t.firstDeltaSent.promise;
    t.finish.resolve();
    const result = await sent;

    // The last commit is the answer's own transaction.
    expect(t.log).toEqual(['model asked', 'committed', 'prepared', 'delta Hello', 'model went on', 'committed']);
    expect(result.response).toBe('Hello');
    expect(t.request()?.messages).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(t.messages.append).toHaveBeenCalledTimes(1);
  });

  it('aborts the model call when the commit fails, and surfaces the commit error with no answer', async () => {
    const t = setup();
    const sent = t.send();
    await t.modelAnswered();
    const commitError = Object.assign(new Error('deferred constraint violated'), { code: '23514' });

    t.commit.reject(commitError);

    await expect(sent).rejects.toBe(commitError);
    expect(t.request()?.signal.aborted).toBe(true);
    expect(t.log).toEqual(['model asked']);
    // Nothing is stored on top, and the key needs no settling: its claim was rolled back with the question.
    expect(t.messages.append).not.toHaveBeenCalled();
    expect(t.idempotency.complete).not.toHaveBeenCalled();
    expect(t.idempotency.fail).not.toHaveBeenCalled();
  });

  it('settles the key as failed when the memory plan fails, so a retry answers the stored question', async () => {
    const t = setup({ planFails: true });
    const sent = t.send();
    t.commit.resolve();
    await expect(sent).rejects.toThrow('the plan failed');
    // The model was never asked; the answer had begun (its ids were out) when the plan failed.
    expect(t.log).toEqual(['committed', 'prepared']);
    expect(t.idempotency.fail).toHaveBeenCalledWith(USER.id, 'key-1');
    expect(t.messages.append).not.toHaveBeenCalled();
  });

  it('reports the commit error even when letting go of the aborted model call fails too', async () => {
    const t = setup({ letGoFails: true });
    const sent = t.send();
    await t.modelAnswered();
    const lost = Object.assign(new Error('Connection terminated unexpectedly'), { code: '57P01' });

    t.commit.reject(lost);

    await expect(sent).rejects.toBe(lost);
    expect(t.messages.append).not.toHaveBeenCalled();
  });
});

/**
 * A plain send in a chat this process answered last asks the model from the window it remembers.
 * Its request must be written to the model's connection before the lock is asked for and the
 * question's statement leaves: undici writes on a kept-alive connection only in the next check
 * phase, and a loopback write to Redis or the database is slow enough here to hold it up.
 */
describe('ChatService.send with a remembered window: the model request leaves first', () => {
  let server: Server;
  let baseUrl: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(
          'data: {"choices":[{"delta":{"content":"Hello"},"finish_reason":null}]}\n\n' +
            'data: {"choices":[{"delta":{},"finish_reason":"stop"}]}\n\ndata: [DONE]\n\n',
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('writes the model request before it asks for the lock and sends the question statement', async () => {
    const written: string[] = [];
    const onHeaders = ({ request }: { request: { path: string } }) => written.push(request.path);
    diagnostics.subscribe('undici:client:sendHeaders', onHeaders as (message: unknown) => void);
    const steps: { step: string; modelRequestsWritten: number }[] = [];
    const known = new KnownWindows();
    const announced: string[] = [];
    known.announceTo((sessionId) => announced.push(sessionId));
    const window = [
      { id: QUESTION.id, role: 'user' as const, content: 'Hi' },
      { id: 'answer-1', role: 'assistant' as const, content: 'Hello' },
    ];
    const messages = {
      appendToActiveSession: jest.fn(async () => ({
        session: SESSION,
        message: { id: 'question-2' },
        window: [...window, { id: 'question-2', role: 'user' as const, content: 'And now?' }],
      })),
      append: jest.fn(async () => ({ id: 'answer' })),
    };
    const db = new ScriptedDatabase(async () => undefined);
    const statement = db.asUserStatement.bind(db);
    db.asUserStatement = <T>(userId: string, work: (tx: Queryable) => Promise<T>) => {
      steps.push({ step: 'statement', modelRequestsWritten: written.length });
      return statement(userId, work);
    };
    // As across replicas: the lock is asked for once the send is in this process's queue.
    const turns = {
      enter: async () => ({
        lock: async () => {
          steps.push({ step: 'lock', modelRequestsWritten: written.length });
          return { lostAnswer: false };
        },
        release: () => undefined,
      }),
    } as unknown as SessionTurns;
    const service = chatService({
      db,
      messages,
      idempotency: { complete: jest.fn() },
      turns,
      ai: new OpenAiProvider({ baseUrl, model: 'test-model' }),
      known,
    });
    const send = async (message: string) => {
      const output = recordingOutput();
      await service.send(USER, { message, session_id: SESSION.id }, {}, output.out);
      return output.result();
    };
    try {
      // A first exchange leaves the connection to the model kept alive, as every later send finds it.
      known.remember(SESSION.id, { userId: USER.id, leafId: 'answer-0', systemPrompt: null, turns: [] });
      messages.appendToActiveSession.mockResolvedValueOnce({
        session: SESSION,
        message: { id: QUESTION.id },
        window: [window[0]],
      });
      await send('Hi');
      known.remember(SESSION.id, { userId: USER.id, leafId: 'answer-1', systemPrompt: null, turns: window });
      steps.length = 0;
      announced.length = 0;
      written.length = 0;
      // A user reads an answer before asking again: undici has settled the connection as idle by then.
      await delay(10);

      const result = await send('And now?');

      expect(result.response).toBe('Hello');
      // The guess was right, so the model was asked once, before the lock and the question's statement.
      expect(written).toEqual(['/v1/chat/completions']);
      expect(steps.slice(0, 2)).toEqual([
        { step: 'lock', modelRequestsWritten: 1 },
        { step: 'statement', modelRequestsWritten: 1 },
      ]);
      // This answer extends the window this process remembered: no other replica holds one to forget.
      expect(announced).toEqual([]);
    } finally {
      diagnostics.unsubscribe('undici:client:sendHeaders', onHeaders as (message: unknown) => void);
    }
  });
});
