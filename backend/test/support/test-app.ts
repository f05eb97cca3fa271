// The in-process app for the backend's e2e specs. It stays here, not in @pulse/testkit: it builds
// the app from the backend's source (createApp, AppConfig, Database), which no other package has.
import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  newUserId,
  type OpenAIUpstream,
  signToken,
  startOpenAIUpstream,
  TEST_SECRET,
  type TokenOptions,
} from '@pulse/testkit';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.factory.js';
import { AppConfig } from '../../src/config/app-config.js';
import { Database } from '../../src/database/database.js';
import { createTestDatabase, TEST_DB, type TestDatabase } from './test-database.js';

export interface TestApp {
  url: string;
  app: NestExpressApplication;
  db: Database;
  config: AppConfig;
  /** Every log line the app wrote, for checks such as "no token in the logs". */
  logs: string[];
  /** A user that exists in public.users, with a valid token. */
  user(): Promise<{ id: string; token: string; auth: { Authorization: string } }>;
  token(userId: string, opts?: TokenOptions): Promise<string>;
  close(): Promise<void>;
}

export { TEST_DB };

/**
 * The real application on a real port, on a database of its own, or on `database` when given
 * (a restart, a second replica): that one outlives the app, and its maker drops it.
 */
export async function startTestApp(env: Record<string, string> = {}, shared?: TestDatabase): Promise<TestApp> {
  const database = shared ?? (await createTestDatabase());
  // Each app keeps its files apart, so a test can look at exactly what its store holds.
  const attachmentsDir = mkdtempSync(join(tmpdir(), 'pulse-e2e-files-'));
  const logs: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, done) {
      logs.push(String(chunk));
      done();
    },
  });
  const config = AppConfig.fromEnvironment({
    NODE_ENV: 'test',
    LOG_LEVEL: 'info',
    JWT_SECRET_KEY: TEST_SECRET,
    DEMO_MODE: 'false',
    // Suites make many requests per user and many failed ones per address; the limits have their own suites.
    RATE_LIMIT_PER_MINUTE: '0',
    RATE_LIMIT_SENDS_PER_MINUTE: '0',
    AUTH_FAILURES_PER_MINUTE: '0',
    ATTACHMENTS_DIR: attachmentsDir,
    ...database.env,
    ...env,
  });
  const app = await createApp(config, { logStream });
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const db = app.get(Database);
  const token = (userId: string, opts?: TokenOptions) => signToken(userId, opts);
  return {
    url: `http://127.0.0.1:${address.port}`,
    app,
    db,
    config,
    logs,
    token,
    async user() {
      const id = newUserId();
      await db.query('insert into public.users (id) values ($1)', [id]);
      const t = await token(id);
      return { id, token: t, auth: { Authorization: `Bearer ${t}` } };
    },
    async close() {
      await app.close();
      if (!shared) await database.drop();
      rmSync(attachmentsDir, { recursive: true, force: true });
    },
  };
}

/**
 * An object that stands for what `start` gives in a `beforeAll`, so a describe block can name it
 * before its hooks run; using it before then fails saying so.
 */
function late<T extends object>(what: string, current: () => T | undefined): T {
  return new Proxy({} as T, {
    get(_, key) {
      const target = current();
      if (!target) throw new Error(`${what} is used before its beforeAll started it`);
      const value: unknown = Reflect.get(target, key, target);
      return typeof value === 'function' ? (value.bind(target) as unknown) : value;
    },
  });
}

/**
 * The bound of starting (or closing) an app: a copy of the migrated database, Nest's start, the
 * port. Not the 5 s a spec's tests get by default: on a machine busy with other suites a start
 * took longer, and jest then tore the file down under a start still running.
 */
const APP_START_MS = 120_000;

/**
 * The app for the enclosing describe block: started in beforeAll with `env`, closed in afterAll.
 * `env` may be a function, read in the beforeAll, for settings known only then (a server's URL).
 */
export function useTestApp(env: Record<string, string> | (() => Record<string, string>) = {}): TestApp {
  let t: TestApp | undefined;
  beforeAll(async () => {
    t = await startTestApp(typeof env === 'function' ? env() : env);
  }, APP_START_MS);
  afterAll(() => t?.close(), APP_START_MS);
  return late('the test app', () => t);
}

export interface ChatAppOptions {
  /** The API key the stub demands (and the app is given as OPENAI_API_KEY). */
  apiKey?: string;
}

/**
 * The app answering through the OpenAI stub (AI_PROVIDER=openai at the stub, plus `env`) for the enclosing describe block: both started in beforeAll, closed in afterAll, and the
 * stub's script and record reset before each test.
 */
export function useChatApp(
  env: Record<string, string> = {},
  { apiKey }: ChatAppOptions = {},
): { t: TestApp; upstream: OpenAIUpstream } {
  let upstream: OpenAIUpstream | undefined;
  let t: TestApp | undefined;
  beforeAll(async () => {
    upstream = await startOpenAIUpstream({ apiKey });
    t = await startTestApp({
      AI_PROVIDER: 'openai',
      OPENAI_BASE_URL: upstream.url,
      ...(apiKey ? { OPENAI_API_KEY: apiKey } : {}),
      ...env,
    });
  }, APP_START_MS);
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
  }, APP_START_MS);
  beforeEach(() => upstream?.reset());
  return { t: late('the chat app', () => t), upstream: late('the OpenAI stub', () => upstream) };
}
