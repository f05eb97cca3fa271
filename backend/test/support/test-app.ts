import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Writable } from 'node:stream';
import { createApp } from '../../src/app.factory.js';
import { AppConfig } from '../../src/config/app-config.js';
import { Database } from '../../src/database/database.js';
import { createTestDatabase, TEST_DB } from './test-database.js';
import { newUserId, signToken, TEST_SECRET, type TokenOptions } from './tokens.js';

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

/** The real application on a real port, on a database of its own. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
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
      await database.drop();
    },
  };
}
