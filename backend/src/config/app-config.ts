import { randomBytes } from 'node:crypto';
import { parseCorsOrigins } from './cors-origins.js';
import { transactionPoolerHint } from './database-url.js';
import { ConfigError, EnvironmentVariables, parseEnvironment } from './environment.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';

export type AiProviderName = 'supabase' | 'openai' | 'demo';

/**
 * The validated settings plus the decisions derived from them, computed once.
 * Injected everywhere instead of reading process.env.
 */
export class AppConfig {
  readonly env: EnvironmentVariables;
  /** Local demo mode: dev token endpoint and demo page; never on in production. */
  readonly demoMode: boolean;
  readonly autoProvisionUsers: boolean;
  readonly aiProvider: AiProviderName;
  /** HS* secret; in demo mode without one, a random per-process secret. */
  readonly jwtSecret?: string;
  readonly chatTimeoutMs: number;
  /** `['*']`, or the exact origins allowed to call the API from a browser. */
  readonly corsOrigins: string[];
  /** Named prepared statements on Postgres; off behind a transaction-mode pooler. */
  readonly preparedStatements: boolean;
  /** Why prepared statements are off, when it was detected rather than set. */
  readonly poolerHint?: string;
  /** Settings Pulse adjusted or would warn about, one line each, logged at start. */
  readonly notes: string[] = [];
  private readonly problems: string[] = [];
  private readonly given: ReadonlySet<string>;
  /** Express `trust proxy`: whose X-Forwarded-For gives the client address (TRUST_PROXY). */
  readonly trustProxy: TrustProxy;

  constructor(env: EnvironmentVariables, given: ReadonlySet<string> = new Set(), problems: string[] = []) {
    this.env = env;
    this.given = given;
    this.problems.push(...problems);
    const production = env.NODE_ENV === 'production';
    const nothingConfigured = !env.DATABASE_URL && !env.JWT_SECRET_KEY && !env.JWT_JWKS_URL;
    this.demoMode = !production && (env.DEMO_MODE ?? nothingConfigured);
    this.autoProvisionUsers = env.AUTO_PROVISION_USERS ?? this.demoMode;
    this.jwtSecret = env.JWT_SECRET_KEY ?? (this.demoMode ? randomBytes(32).toString('base64url') : undefined);
    this.aiProvider = env.AI_PROVIDER ?? pickProvider(env);
    this.chatTimeoutMs = env.CHAT_TIMEOUT * 1000;

    const cors = parseCorsOrigins(Array.isArray(env.CORS_ORIGINS) ? env.CORS_ORIGINS : []);
    this.corsOrigins = cors.origins.length ? cors.origins : ['*'];
    this.notes.push(...cors.notes);
    this.problems.push(...cors.problems);

    this.poolerHint = env.DATABASE_URL ? transactionPoolerHint(env.DATABASE_URL) : undefined;
    this.preparedStatements = env.DATABASE_PREPARED_STATEMENTS ?? !this.poolerHint;
    this.trustProxy = parseTrustProxy(env.TRUST_PROXY) ?? false;
    if (this.aiProvider !== 'openai' && (env.SUMMARY_MODEL || env.TITLE_MODEL)) {
      this.notes.push(
        `SUMMARY_MODEL/TITLE_MODEL: the ${this.aiProvider} provider answers with its own model; summaries and titles use it`,
      );
    }
  }

  /**
   * Reads and checks every setting. Throws a ConfigError listing every problem at once
   * (bad values and unsafe combinations alike), one line each.
   */
  static fromEnvironment(source: NodeJS.ProcessEnv = process.env): AppConfig {
    const { env, problems, given } = parseEnvironment(source);
    const config = new AppConfig(env, given, problems);
    const all = config.crossCheck();
    if (all.length) throw new ConfigError(all);
    return config;
  }

  /** Every problem with the settings: single bad values and combinations; start-up fails on any. */
  crossCheck(): string[] {
    const problems = [...this.problems];
    const { env } = this;
    if (!this.jwtSecret && !env.JWT_JWKS_URL) {
      problems.push(
        'JWT_SECRET_KEY or JWT_JWKS_URL: one is required outside demo mode (the HS secret or the JWKS URL of your sign-in provider)',
      );
    }
    if (env.JWT_ALGORITHM.startsWith('HS') && env.JWT_JWKS_URL && !this.jwtSecret) {
      problems.push('JWT_ALGORITHM: HS* needs JWT_SECRET_KEY (JWKS keys are RS256/ES256)');
    }
    if (env.HTTP_HEADERS_TIMEOUT_SECONDS > env.HTTP_REQUEST_TIMEOUT_SECONDS) {
      problems.push('HTTP_HEADERS_TIMEOUT_SECONDS must not exceed HTTP_REQUEST_TIMEOUT_SECONDS');
    }
    if (this.aiProvider === 'openai' && !env.OPENAI_BASE_URL && !env.OPENAI_API_KEY) {
      problems.push('AI_PROVIDER=openai needs OPENAI_BASE_URL or OPENAI_API_KEY');
    }
    if (this.aiProvider === 'supabase' && !env.EDGE_FUNCTION_URL && !(env.SUPABASE_URL && env.SUPABASE_ANON_KEY)) {
      problems.push('AI_PROVIDER=supabase needs EDGE_FUNCTION_URL or SUPABASE_URL with SUPABASE_ANON_KEY');
    }
    if (env.NODE_ENV === 'production') problems.push(...this.productionProblems());
    return problems;
  }

  /** Defaults that suit a laptop but not a public server: production must choose them on purpose. */
  private productionProblems(): string[] {
    const problems: string[] = [];
    const { env, given } = this;
    if (!given.has('DATABASE_URL') && !given.has('PGLITE_DATA_DIR')) {
      problems.push(
        'DATABASE_URL: required in production (your Postgres or Supabase connection string); ' +
          'to keep the embedded database on purpose, set PGLITE_DATA_DIR to a folder on persistent storage',
      );
    }
    if (!given.has('CORS_ORIGINS')) {
      problems.push(
        'CORS_ORIGINS: required in production: the sites that embed the widget, comma-separated ' +
          '(e.g. https://shop.example); * allows every site',
      );
    }
    if (this.aiProvider === 'demo' && env.AI_PROVIDER !== 'demo') {
      problems.push(
        'AI_PROVIDER: no model is configured: set OPENAI_API_KEY (or OPENAI_BASE_URL), or SUPABASE_URL with ' +
          'SUPABASE_ANON_KEY (or EDGE_FUNCTION_URL); AI_PROVIDER=demo runs the offline demo on purpose',
      );
    }
    return problems;
  }
}

function pickProvider(env: EnvironmentVariables): AiProviderName {
  if (env.EDGE_FUNCTION_URL || (env.SUPABASE_URL && env.SUPABASE_ANON_KEY)) return 'supabase';
  if (env.OPENAI_BASE_URL || env.OPENAI_API_KEY) return 'openai';
  return 'demo';
}
