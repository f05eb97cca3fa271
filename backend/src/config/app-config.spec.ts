import { AppConfig } from './app-config.js';
import { ConfigError, loadEnvironment, parseEnvironment } from './environment.js';

/** The problem lines AppConfig.fromEnvironment refuses `env` with (none: it starts). */
function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    AppConfig.fromEnvironment(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
}

const SECRET = 'x'.repeat(32);
const PRODUCTION = {
  NODE_ENV: 'production',
  JWT_SECRET_KEY: SECRET,
  DATABASE_URL: 'postgres://pulse:pw@db.example:5432/pulse',
  CORS_ORIGINS: 'https://shop.example',
  OPENAI_API_KEY: 'sk-test',
};

describe('configuration', () => {
  it('applies the spec defaults', () => {
    const env = loadEnvironment({});
    expect(env.PORT).toBe(8000);
    expect(env.CHAT_TIMEOUT).toBe(30);
    expect(env.MAX_CONTEXT_MESSAGES).toBe(10);
    expect(env.MAX_CONTEXT_TOKENS).toBe(8000);
    expect(env.CONTEXT_SUMMARY).toBe(false);
    expect(env.SUMMARY_MODEL).toBeUndefined();
    expect(env.TITLE_MODEL).toBeUndefined();
    expect(env.DEFAULT_TEMPERATURE).toBe(0.7);
    expect(env.DEFAULT_MAX_TOKENS).toBe(1000);
    expect(env.JWT_ALGORITHM).toBe('HS256');
    expect(env.JWT_EXPIRE_MINUTES).toBe(30);
  });

  it('treats an empty variable as unset (env files, compose)', () => {
    const env = loadEnvironment({ PORT: '', PGLITE_DATA_DIR: '', CORS_ORIGINS: '', DATABASE_URL: '' });
    expect(env.PORT).toBe(8000);
    expect(env.PGLITE_DATA_DIR).toBe('.data/pglite');
    expect(env.DATABASE_URL).toBeUndefined();
    expect(AppConfig.fromEnvironment({ CORS_ORIGINS: '' }).http.corsOrigins).toEqual(['*']);
  });

  it('names every bad variable, one line each', () => {
    expect(problemsOf({ PORT: 'abc', DEFAULT_TEMPERATURE: '5', JWT_ALGORITHM: 'none' })).toEqual([
      'PORT: must be a whole number from 0 to 65535 (got "abc")',
      'JWT_ALGORITHM: must be one of the following values: HS256, HS384, HS512, RS256, ES256 (got "none")',
      'DEFAULT_TEMPERATURE: must be a number from 0 to 2 (got "5")',
    ]);
  });

  it.each([
    ['OPENAI_BASE_URL', '127.0.0.1:8352/v1'],
    ['SUPABASE_URL', 'abc.supabase.co'],
    ['EDGE_FUNCTION_URL', 'localhost:54321/functions/v1/chat'],
    ['JWT_JWKS_URL', 'ftp://keys.example/jwks.json'],
  ])('refuses %s without http(s)://', (name, value) => {
    expect(problemsOf({ JWT_SECRET_KEY: SECRET, [name]: value })).toEqual([
      `${name}: must start with http:// or https:// (got "${value}")`,
    ]);
  });

  it.each([
    ['not-a-url', 'DATABASE_URL: is not a URL; expected postgres://USER:PASSWORD@HOST:5432/DATABASE'],
    ['mysql://u:hunter2@h/db', 'DATABASE_URL: must start with postgres:// or postgresql:// (found mysql://)'],
    ['postgres://u:hunter2@h/db?sslmode=maybe', 'DATABASE_URL: sslmode=maybe is not one of'],
  ])('refuses a malformed DATABASE_URL (%s) without printing it', (url, line) => {
    const problems = problemsOf({ JWT_SECRET_KEY: SECRET, DATABASE_URL: url });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(line);
    expect(problems[0]).not.toContain('hunter2');
  });

  it('normalises CORS origins written as URLs and refuses what is not an origin', () => {
    const config = AppConfig.fromEnvironment({ CORS_ORIGINS: 'https://Shop.example/, http://localhost:3000' });
    expect(config.http.corsOrigins).toEqual(['https://shop.example', 'http://localhost:3000']);
    expect(config.notes).toEqual([
      'CORS_ORIGINS: "https://Shop.example/" taken as https://shop.example (browsers send the origin without a slash)',
    ]);
    expect(problemsOf({ CORS_ORIGINS: 'shop.example, https://a.example/app, https://ok.example' })).toEqual([
      'CORS_ORIGINS: "shop.example" is not an origin; write it with its scheme, e.g. https://shop.example',
      'CORS_ORIGINS: "https://a.example/app" has a path, query or credentials; an origin is only scheme://host[:port], e.g. https://a.example',
    ]);
  });

  it('reads the memory settings, and says when a model name cannot be honoured', () => {
    const env = loadEnvironment({ MAX_CONTEXT_TOKENS: '0', CONTEXT_SUMMARY: 'yes', TITLE_MODEL: 'gpt-4.1-nano' });
    expect([env.MAX_CONTEXT_TOKENS, env.CONTEXT_SUMMARY, env.TITLE_MODEL]).toEqual([0, true, 'gpt-4.1-nano']);
    expect(problemsOf({ JWT_SECRET_KEY: SECRET, MAX_CONTEXT_TOKENS: '-1', CONTEXT_SUMMARY: 'maybe' })).toEqual([
      'MAX_CONTEXT_TOKENS: must be a whole number from 0 to 2000000 (got "-1")',
      expect.stringMatching(/^CONTEXT_SUMMARY: /),
    ]);
    const viaOpenAi = AppConfig.fromEnvironment({ OPENAI_API_KEY: 'sk-x', TITLE_MODEL: 'cheap' });
    expect(viaOpenAi.notes).toEqual([]);
    const viaEdge = AppConfig.fromEnvironment({ EDGE_FUNCTION_URL: 'http://127.0.0.1:1/chat', TITLE_MODEL: 'cheap' });
    expect(viaEdge.notes).toEqual([
      'SUMMARY_MODEL/TITLE_MODEL: the supabase provider answers with its own model; summaries and titles use it',
    ]);
  });

  it('runs as a local demo only when nothing is configured and not in production', () => {
    expect(AppConfig.fromEnvironment({}).demoMode).toBe(true);
    expect(AppConfig.fromEnvironment({}).auth.autoProvisionUsers).toBe(true);
    expect(AppConfig.fromEnvironment(PRODUCTION).demoMode).toBe(false);
    const configured = AppConfig.fromEnvironment({ JWT_SECRET_KEY: SECRET });
    expect(configured.demoMode).toBe(false);
    expect(configured.auth.autoProvisionUsers).toBe(false);
  });

  it('picks the configured AI provider, demo when none', () => {
    expect(AppConfig.fromEnvironment({}).ai.provider).toBe('demo');
    expect(AppConfig.fromEnvironment({ OPENAI_BASE_URL: 'http://127.0.0.1:1/v1' }).ai.provider).toBe('openai');
    expect(AppConfig.fromEnvironment({ EDGE_FUNCTION_URL: 'http://127.0.0.1:1/functions/v1/chat' }).ai.provider).toBe(
      'supabase',
    );
  });

  it('starts in production once every unsafe default is chosen on purpose', () => {
    expect(problemsOf(PRODUCTION)).toEqual([]);
    expect(
      problemsOf({
        NODE_ENV: 'production',
        JWT_SECRET_KEY: SECRET,
        PGLITE_DATA_DIR: '/var/lib/pulse',
        CORS_ORIGINS: '*',
        AI_PROVIDER: 'demo',
      }),
    ).toEqual([]);
  });

  it('refuses production with the laptop defaults, every problem at once', () => {
    const problems = problemsOf({ NODE_ENV: 'production' });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'JWT_SECRET_KEY or JWT_JWKS_URL',
      'DATABASE_URL',
      'CORS_ORIGINS',
      'AI_PROVIDER',
    ]);
  });

  it('turns named prepared statements off behind a transaction-mode pooler', () => {
    const at = (url: string, extra: NodeJS.ProcessEnv = {}) =>
      AppConfig.fromEnvironment({ JWT_SECRET_KEY: SECRET, DATABASE_URL: url, ...extra }).database.preparedStatements;
    expect(at('postgres://u:p@db.example:5432/postgres')).toBe(true);
    expect(at('postgres://u:p@db.example:6432/postgres?pgbouncer=true')).toBe(false);
    expect(at('postgres://u.ref:p@aws-0-eu-central-1.pooler.supabase.com:6543/postgres')).toBe(false);
    // The session pooler (5432) keeps a server connection per client: statements may stay named.
    expect(at('postgres://u.ref:p@aws-0-eu-central-1.pooler.supabase.com:5432/postgres')).toBe(true);
    expect(at('postgres://u:p@db.example:5432/postgres', { DATABASE_PREPARED_STATEMENTS: 'false' })).toBe(false);
    expect(at('postgres://u:p@h:6543/postgres?pgbouncer=true', { DATABASE_PREPARED_STATEMENTS: 'true' })).toBe(true);
  });

  it('converts every duration once, into the unit its name says', () => {
    const config = AppConfig.fromEnvironment({
      JWT_SECRET_KEY: SECRET,
      CHAT_TIMEOUT: '0.5',
      HTTP_HEADERS_TIMEOUT_SECONDS: '5',
      HTTP_REQUEST_TIMEOUT_SECONDS: '20',
      SSE_HEARTBEAT_SECONDS: '15',
      SSE_FLUSH_MS: '40',
      STREAM_RESUME_SECONDS: '300',
      ANSWER_LEASE_SECONDS: '2.5',
      SHUTDOWN_DRAIN_SECONDS: '30',
      JWT_EXPIRE_MINUTES: '60',
      DATABASE_CONNECT_TIMEOUT_MS: '2000',
    });
    expect(config.chat.timeoutMs).toBe(500);
    expect([config.http.headersTimeoutMs, config.http.requestTimeoutMs]).toEqual([5000, 20000]);
    expect(config.streams).toEqual({ heartbeatMs: 15000, flushMs: 40, resumeMs: 300000, leaseMs: 2500 });
    expect(config.shutdown.drainMs).toBe(30000);
    expect(config.jwt.mintedTokenSeconds).toBe(3600);
    expect(config.database.timeouts).toEqual({ connectMs: 2000, statementMs: 15000, idleInTransactionMs: 30000 });
  });
});

describe('JWT_REQUIRE_EXP', () => {
  const env = { JWT_SECRET_KEY: 'x'.repeat(32), DEMO_MODE: 'false' };
  it('defaults to requiring exp, reads true/false/1/0, and refuses anything else', () => {
    expect(AppConfig.fromEnvironment(env).jwt.requireExp).toBe(true);
    expect(AppConfig.fromEnvironment({ ...env, JWT_REQUIRE_EXP: 'false' }).jwt.requireExp).toBe(false);
    expect(AppConfig.fromEnvironment({ ...env, JWT_REQUIRE_EXP: '0' }).jwt.requireExp).toBe(false);
    expect(AppConfig.fromEnvironment({ ...env, JWT_REQUIRE_EXP: 'TRUE' }).jwt.requireExp).toBe(true);
    expect(() => AppConfig.fromEnvironment({ ...env, JWT_REQUIRE_EXP: 'flase' })).toThrow(/JWT_REQUIRE_EXP/);
  });

  it('refuses a header timeout longer than the request timeout', () => {
    expect(() =>
      AppConfig.fromEnvironment({ ...env, HTTP_HEADERS_TIMEOUT_SECONDS: '40', HTTP_REQUEST_TIMEOUT_SECONDS: '30' }),
    ).toThrow(/HTTP_HEADERS_TIMEOUT_SECONDS must not exceed HTTP_REQUEST_TIMEOUT_SECONDS/);
  });
});

describe('one pass over the environment', () => {
  it('reports bad values and bad combinations of one environment together', () => {
    expect(
      problemsOf({
        DEMO_MODE: 'false',
        PORT: 'eighty',
        HTTP_HEADERS_TIMEOUT_SECONDS: '40',
        HTTP_REQUEST_TIMEOUT_SECONDS: '30',
      }),
    ).toEqual([
      'PORT: must be a whole number from 0 to 65535 (got "eighty")',
      'JWT_SECRET_KEY or JWT_JWKS_URL: one is required outside demo mode (the HS secret or the JWKS URL of your sign-in provider)',
      'HTTP_HEADERS_TIMEOUT_SECONDS must not exceed HTTP_REQUEST_TIMEOUT_SECONDS',
    ]);
  });

  it('ignores variables Pulse does not read, and refuses a boolean it cannot read', () => {
    const { env } = parseEnvironment({ PATH: '/usr/bin', HOME: '/root', DEMO_MODE: 'yes' });
    expect(env).not.toHaveProperty('PATH');
    expect(AppConfig.fromEnvironment({ PATH: '/usr/bin', HOME: '/root', DEMO_MODE: 'yes' }).demoMode).toBe(true);
    expect(problemsOf({ DEMO_MODE: 'flase' })).toEqual(['DEMO_MODE: must be a boolean value']);
  });
});

describe('quotas and admin settings', () => {
  it('reads the quotas and the admin settings, off by default', () => {
    const defaults = AppConfig.fromEnvironment({ ...PRODUCTION });
    expect(defaults.quotas).toEqual({ messagesPerDay: 0, tokensPerDay: 0 });
    expect(defaults.admin).toEqual({ key: undefined, tokenMinutes: 15, canReadConversations: false });
    const set = AppConfig.fromEnvironment({
      ...PRODUCTION,
      QUOTA_MESSAGES_PER_DAY: '50',
      QUOTA_TOKENS_PER_DAY: '200000',
      PULSE_ADMIN_KEY: 'k'.repeat(24),
      ADMIN_TOKEN_MINUTES: '60',
      ADMIN_CAN_READ_CONVERSATIONS: 'true',
    });
    expect(set.quotas).toEqual({ messagesPerDay: 50, tokensPerDay: 200000 });
    expect(set.admin).toEqual({ key: 'k'.repeat(24), tokenMinutes: 60, canReadConversations: true });
  });

  it('refuses a short admin key without printing it, and a negative quota', () => {
    const problems = problemsOf({ ...PRODUCTION, PULSE_ADMIN_KEY: 'short-secret', QUOTA_MESSAGES_PER_DAY: '-1' });
    expect(problems).toHaveLength(2);
    expect(problems).toContain('PULSE_ADMIN_KEY: must be at least 24 characters (use a random value)');
    expect(problems.join('\n')).not.toContain('short-secret');
    expect(problems.join('\n')).toContain('QUOTA_MESSAGES_PER_DAY');
  });
});

describe('webhook settings', () => {
  const whsec = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
  const base = { JWT_SECRET_KEY: SECRET };

  it('has no endpoint by default, and retries with backoff up to 15 attempts', () => {
    expect(AppConfig.fromEnvironment(base).webhooks).toEqual({
      endpoints: [],
      maxAttempts: 15,
      timeoutMs: 10000,
      backoffBaseMs: 10000,
      backoffCapMs: 3600000,
      pollMs: 1000,
      retentionDays: 7,
    });
  });

  it('gives each URL the secret and the events named (all by default)', () => {
    const urls = 'https://crm.example/hooks, http://10.0.0.5:8080/pulse';
    expect(
      AppConfig.fromEnvironment({ ...base, WEBHOOK_URLS: urls, WEBHOOK_SECRET: whsec }).webhooks.endpoints,
    ).toEqual([
      {
        url: 'https://crm.example/hooks',
        secret: whsec,
        events: ['session.created', 'session.deleted', 'message.created', 'message.feedback'],
      },
      {
        url: 'http://10.0.0.5:8080/pulse',
        secret: whsec,
        events: ['session.created', 'session.deleted', 'message.created', 'message.feedback'],
      },
    ]);
    const some = AppConfig.fromEnvironment({
      ...base,
      WEBHOOK_URLS: 'https://crm.example/hooks',
      WEBHOOK_SECRET: whsec,
      WEBHOOK_EVENTS: 'message.created,message.feedback',
    });
    expect(some.webhooks.endpoints[0].events).toEqual(['message.created', 'message.feedback']);
  });

  it('refuses URLs without a secret, a malformed secret or URL, unknown events, and never echoes the secret', () => {
    expect(problemsOf({ ...base, WEBHOOK_URLS: 'https://crm.example/hooks' })).toEqual([
      expect.stringMatching(/^WEBHOOK_SECRET: WEBHOOK_URLS needs it/),
    ]);
    const problems = problemsOf({
      ...base,
      WEBHOOK_URLS: 'https://crm.example/hooks,ftp://files.example',
      WEBHOOK_SECRET: 'whsec_tooshort-and-secret',
      WEBHOOK_EVENTS: 'message.created,message.edited',
      WEBHOOK_BACKOFF_BASE_MS: '5000',
      WEBHOOK_BACKOFF_CAP_MS: '1000',
    });
    expect(problems.map((p) => p.split(':')[0])).toEqual([
      'WEBHOOK_URLS',
      'WEBHOOK_SECRET',
      'WEBHOOK_EVENTS',
      'WEBHOOK_BACKOFF_BASE_MS must not exceed WEBHOOK_BACKOFF_CAP_MS',
    ]);
    expect(problems.join('\n')).not.toContain('tooshort-and-secret');
    expect(problems[0]).toContain('ftp://files.example');
  });
});
