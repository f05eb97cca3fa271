import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { AttachmentMediaType } from './attachment-types.js';
import { parseCorsOrigins } from './cors-origins.js';
import { transactionPoolerHint } from './database-url.js';
import {
  ConfigError,
  EnvironmentVariables,
  type JwtAlgorithm,
  type LogLevel,
  parseEnvironment,
} from './environment.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';
import { WEBHOOK_EVENT_TYPES, type WebhookEventType } from './webhook-settings.js';

type AiProviderName = 'supabase' | 'openai' | 'demo';

/** The HTTP server: where it listens and what it accepts from whom. */
export interface HttpConfig {
  port: number;
  host: string;
  /** Time a client has for a request's headers, then for the whole request (slow-loris bound). */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  /** `['*']`, or the exact origins allowed to call the API from a browser. */
  corsOrigins: string[];
  /** Express `trust proxy`: whose X-Forwarded-For gives the client address (TRUST_PROXY). */
  trustProxy: TrustProxy;
}

export interface DatabaseConfig {
  /** DATABASE_URL as given; unset means the embedded database in `pgliteDataDir`. */
  url?: string;
  pgliteDataDir: string;
  poolSize: number;
  /** 0 means none; the shape PostgresDatabase takes. */
  timeouts: { connectMs: number; statementMs: number; idleInTransactionMs: number };
  /** Named prepared statements on Postgres; off behind a transaction-mode pooler. */
  preparedStatements: boolean;
  /** Why prepared statements are off, when it was detected rather than set. */
  poolerHint?: string;
}

export interface JwtConfig {
  algorithm: JwtAlgorithm;
  /** HS* secret; in demo mode without one, a random per-process secret. */
  secret?: string;
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  clockToleranceSeconds: number;
  /** Refuse tokens without an `exp` claim. */
  requireExp: boolean;
  /** Lifetime of the widget tokens Pulse mints itself. */
  mintedTokenSeconds: number;
}

export interface AuthConfig {
  /** PULSE_API_KEY: lets an integrator's server mint widget tokens; unset, minting is off. */
  apiKey?: string;
  /** Create a user row for a valid token whose user is unknown. */
  autoProvisionUsers: boolean;
}

/** Files, images and voice messages: what is accepted, where it is kept, how the model gets it. */
export interface AttachmentsConfig {
  maxBytes: number;
  /** 0: attachments are off. */
  perMessage: number;
  /** 0: no quota. */
  quotaBytes: number;
  unusedTtlMs: number;
  types: ReadonlySet<AttachmentMediaType>;
  textMaxTokens: number;
  pdfMaxPages: number;
  imageInput: 'data-url' | 'signed-url';
  /** Whether the model takes image parts. */
  modelAcceptsImages: boolean;
  imageResizeOverBytes: number;
  /** The folder store's root (used when `s3` is unset). */
  dir: string;
  s3?: {
    bucket: string;
    endpoint?: string;
    region: string;
    accessKeyId?: string;
    secretAccessKey?: string;
    forcePathStyle: boolean;
    prefix: string;
  };
}

/** Voice: an OpenAI-compatible transcription server, and optionally one that reads answers aloud. */
export interface VoiceConfig {
  /** Unset: no server to transcribe with (the demo provider transcribes offline). */
  baseUrl?: string;
  apiKey?: string;
  transcriptionModel: string;
  /** Unset: the widget reads answers with the browser's own speech synthesis. */
  speechModel?: string;
  speechVoice: string;
}

/** Signed event deliveries: the endpoints set here (the admin API adds others) and how retries go. */
export interface WebhooksConfig {
  /** WEBHOOK_URLS, each with WEBHOOK_SECRET and WEBHOOK_EVENTS; kept in webhook_endpoints at start. */
  endpoints: Array<{ url: string; secret: string; events: WebhookEventType[] }>;
  maxAttempts: number;
  timeoutMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  pollMs: number;
  /** 0: delivered events are kept forever. */
  retentionDays: number;
}

export interface AiConfig {
  provider: AiProviderName;
  openai: { baseUrl?: string; apiKey?: string; model: string };
  supabase: { supabaseUrl?: string; anonKey?: string; edgeFunctionUrl?: string };
}

/** A send and its answer: the model call's bounds and the defaults a request may override. */
export interface ChatConfig {
  /** Every model call (answers, summaries, titles) is given up after this long. */
  timeoutMs: number;
  defaultSystemPrompt: string;
  defaultTemperature: number;
  defaultMaxTokens: number;
  /** How long an Idempotency-Key of a send is remembered. */
  idempotencyKeyTtlHours: number;
}

/** What of a conversation goes into the prompt. */
export interface ContextConfig {
  maxMessages: number;
  /** Tokens of the whole prompt; 0 = no token cap. */
  maxTokens: number;
}

export interface SummariesConfig {
  enabled: boolean;
  /** Unset: the chat model. */
  model?: string;
}

export interface TitlesConfig {
  /** Unset: no model titles a chat (its first line stays the title). */
  model?: string;
}

/** Streamed answers: their SSE writes, how long they stay resumable, and the lease of their producer. */
export interface StreamsConfig {
  heartbeatMs: number;
  /** 0 writes each text delta as it comes. */
  flushMs: number;
  resumeMs: number;
  leaseMs: number;
}

export interface RedisConfig {
  /** Unset: one process, all state in memory. */
  url?: string;
  keyPrefix: string;
}

export interface ShutdownConfig {
  /** How long answers in flight may go on after SIGTERM. */
  drainMs: number;
}

/** Per minute; 0 turns a limit off. */
/** The host page's tools: how many, which, and how long and how much their results may be. */
export interface ToolsConfig {
  /** 0: page tools are off (a send with tools is refused). */
  maxPerSend: number;
  /** Only these names; undefined: any valid name. */
  allowed?: ReadonlySet<string>;
  resultTimeoutMs: number;
  resultMaxBytes: number;
  maxRounds: number;
}

/** Daily caps per user (0 = off), counted in UTC days. */
export interface QuotasConfig {
  messagesPerDay: number;
  tokensPerDay: number;
}

/** Who is an admin, and what an admin may see. */
export interface AdminConfig {
  /** Exchanged for an admin token; unset: only a JWT carrying the pulse_admin role is an admin. */
  key?: string;
  tokenMinutes: number;
  canReadConversations: boolean;
}

export interface RateLimitsConfig {
  perMinute: number;
  sendsPerMinute: number;
  authFailuresPerMinute: number;
}

/**
 * The validated settings, grouped by what reads them, typed and in the units their names say;
 * derived once here so no other file reads a variable name or converts a unit. Injected
 * everywhere instead of process.env. Only `fromEnvironment` makes one, so every AppConfig has
 * passed every check.
 */
export class AppConfig {
  /** Local demo mode: dev token endpoint and demo page; never on in production. */
  readonly demoMode: boolean;
  readonly logLevel: LogLevel;
  readonly http: HttpConfig;
  readonly database: DatabaseConfig;
  readonly jwt: JwtConfig;
  readonly auth: AuthConfig;
  readonly ai: AiConfig;
  readonly chat: ChatConfig;
  readonly context: ContextConfig;
  readonly summaries: SummariesConfig;
  readonly titles: TitlesConfig;
  readonly streams: StreamsConfig;
  readonly redis: RedisConfig;
  readonly shutdown: ShutdownConfig;
  readonly rateLimits: RateLimitsConfig;
  readonly attachments: AttachmentsConfig;
  readonly voice: VoiceConfig;
  readonly quotas: QuotasConfig;
  readonly tools: ToolsConfig;
  readonly admin: AdminConfig;
  readonly webhooks: WebhooksConfig;
  /** Settings Pulse adjusted or would warn about, one line each, logged at start. */
  readonly notes: string[] = [];
  private readonly problems: string[] = [];

  private constructor(
    private readonly env: EnvironmentVariables,
    private readonly given: ReadonlySet<string>,
    problems: string[],
  ) {
    this.problems.push(...problems);
    const production = env.NODE_ENV === 'production';
    const nothingConfigured = !env.DATABASE_URL && !env.JWT_SECRET_KEY && !env.JWT_JWKS_URL;
    this.demoMode = !production && (env.DEMO_MODE ?? nothingConfigured);
    this.logLevel = env.LOG_LEVEL;

    const cors = parseCorsOrigins(Array.isArray(env.CORS_ORIGINS) ? env.CORS_ORIGINS : []);
    this.notes.push(...cors.notes);
    this.problems.push(...cors.problems);
    this.http = {
      port: env.PORT,
      host: env.HOST,
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_SECONDS * 1000,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_SECONDS * 1000,
      corsOrigins: cors.origins.length ? cors.origins : ['*'],
      trustProxy: parseTrustProxy(env.TRUST_PROXY) ?? false,
    };

    const poolerHint = env.DATABASE_URL ? transactionPoolerHint(env.DATABASE_URL) : undefined;
    this.database = {
      url: env.DATABASE_URL,
      pgliteDataDir: env.PGLITE_DATA_DIR,
      poolSize: env.DATABASE_POOL_SIZE,
      timeouts: {
        connectMs: env.DATABASE_CONNECT_TIMEOUT_MS,
        statementMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
        idleInTransactionMs: env.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS,
      },
      preparedStatements: env.DATABASE_PREPARED_STATEMENTS ?? !poolerHint,
      poolerHint,
    };

    this.jwt = {
      algorithm: env.JWT_ALGORITHM,
      secret: env.JWT_SECRET_KEY ?? (this.demoMode ? randomBytes(32).toString('base64url') : undefined),
      jwksUrl: env.JWT_JWKS_URL,
      issuer: env.JWT_ISSUER,
      audience: env.JWT_AUDIENCE,
      clockToleranceSeconds: env.JWT_CLOCK_TOLERANCE_SECONDS,
      requireExp: env.JWT_REQUIRE_EXP !== false,
      mintedTokenSeconds: env.JWT_EXPIRE_MINUTES * 60,
    };
    this.auth = { apiKey: env.PULSE_API_KEY, autoProvisionUsers: env.AUTO_PROVISION_USERS ?? this.demoMode };

    this.ai = {
      provider: env.AI_PROVIDER ?? pickProvider(env),
      openai: { baseUrl: env.OPENAI_BASE_URL, apiKey: env.OPENAI_API_KEY, model: env.OPENAI_MODEL },
      supabase: {
        supabaseUrl: env.SUPABASE_URL,
        anonKey: env.SUPABASE_ANON_KEY,
        edgeFunctionUrl: env.EDGE_FUNCTION_URL,
      },
    };
    this.chat = {
      timeoutMs: env.CHAT_TIMEOUT * 1000,
      defaultSystemPrompt: env.DEFAULT_SYSTEM_PROMPT,
      defaultTemperature: env.DEFAULT_TEMPERATURE,
      defaultMaxTokens: env.DEFAULT_MAX_TOKENS,
      idempotencyKeyTtlHours: env.IDEMPOTENCY_KEY_TTL_HOURS,
    };
    this.context = { maxMessages: env.MAX_CONTEXT_MESSAGES, maxTokens: env.MAX_CONTEXT_TOKENS };
    this.summaries = { enabled: env.CONTEXT_SUMMARY === true, model: env.SUMMARY_MODEL };
    this.titles = { model: env.TITLE_MODEL };
    if (this.ai.provider !== 'openai' && (env.SUMMARY_MODEL || env.TITLE_MODEL)) {
      this.notes.push(
        `SUMMARY_MODEL/TITLE_MODEL: the ${this.ai.provider} provider answers with its own model; summaries and titles use it`,
      );
    }

    this.streams = {
      heartbeatMs: env.SSE_HEARTBEAT_SECONDS * 1000,
      flushMs: env.SSE_FLUSH_MS,
      resumeMs: env.STREAM_RESUME_SECONDS * 1000,
      leaseMs: env.ANSWER_LEASE_SECONDS * 1000,
    };
    this.redis = { url: env.REDIS_URL, keyPrefix: env.REDIS_KEY_PREFIX };
    this.shutdown = { drainMs: env.SHUTDOWN_DRAIN_SECONDS * 1000 };
    this.rateLimits = {
      perMinute: env.RATE_LIMIT_PER_MINUTE,
      sendsPerMinute: env.RATE_LIMIT_SENDS_PER_MINUTE,
      authFailuresPerMinute: env.AUTH_FAILURES_PER_MINUTE,
    };
    this.attachments = {
      maxBytes: env.ATTACHMENT_MAX_BYTES,
      perMessage: env.ATTACHMENTS_PER_MESSAGE,
      quotaBytes: env.ATTACHMENT_QUOTA_BYTES,
      unusedTtlMs: Math.round(env.ATTACHMENT_UNUSED_TTL_HOURS * 3600_000),
      types: new Set(env.ATTACHMENT_TYPES as AttachmentMediaType[]),
      textMaxTokens: env.ATTACHMENT_TEXT_MAX_TOKENS,
      pdfMaxPages: env.ATTACHMENT_PDF_MAX_PAGES,
      imageInput: env.ATTACHMENT_IMAGE_INPUT,
      modelAcceptsImages: env.AI_ACCEPTS_IMAGES ?? true,
      imageResizeOverBytes: env.IMAGE_RESIZE_OVER_BYTES,
      dir: env.ATTACHMENTS_DIR ?? defaultAttachmentsDir(env.PGLITE_DATA_DIR),
      s3: env.S3_BUCKET
        ? {
            bucket: env.S3_BUCKET,
            endpoint: env.S3_ENDPOINT,
            region: env.S3_REGION,
            accessKeyId: env.S3_ACCESS_KEY_ID,
            secretAccessKey: env.S3_SECRET_ACCESS_KEY,
            forcePathStyle: env.S3_FORCE_PATH_STYLE ?? env.S3_ENDPOINT !== undefined,
            prefix: env.S3_PREFIX,
          }
        : undefined,
    };
    this.voice = {
      baseUrl:
        env.TRANSCRIPTION_BASE_URL ??
        env.OPENAI_BASE_URL ??
        (env.OPENAI_API_KEY ? 'https://api.openai.com/v1' : undefined),
      apiKey: env.TRANSCRIPTION_API_KEY ?? env.OPENAI_API_KEY,
      transcriptionModel: env.TRANSCRIPTION_MODEL,
      speechModel: env.SPEECH_MODEL,
      speechVoice: env.SPEECH_VOICE,
    };
    this.tools = {
      maxPerSend: env.MAX_CLIENT_TOOLS,
      allowed: env.ALLOWED_CLIENT_TOOLS?.length ? new Set(env.ALLOWED_CLIENT_TOOLS) : undefined,
      resultTimeoutMs: env.TOOL_RESULT_TIMEOUT_SECONDS * 1000,
      resultMaxBytes: env.TOOL_RESULT_MAX_BYTES,
      maxRounds: env.MAX_TOOL_ROUNDS,
    };
    this.quotas = { messagesPerDay: env.QUOTA_MESSAGES_PER_DAY, tokensPerDay: env.QUOTA_TOKENS_PER_DAY };
    this.admin = {
      key: env.PULSE_ADMIN_KEY,
      tokenMinutes: env.ADMIN_TOKEN_MINUTES,
      canReadConversations: env.ADMIN_CAN_READ_CONVERSATIONS,
    };
    const webhookSecret = env.WEBHOOK_SECRET;
    this.webhooks = {
      endpoints: webhookSecret
        ? (env.WEBHOOK_URLS ?? []).map((url) => ({
            url,
            secret: webhookSecret,
            events: [...new Set(env.WEBHOOK_EVENTS)] as WebhookEventType[],
          }))
        : [],
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      backoffBaseMs: env.WEBHOOK_BACKOFF_BASE_MS,
      backoffCapMs: env.WEBHOOK_BACKOFF_CAP_MS,
      pollMs: env.WEBHOOK_POLL_MS,
      retentionDays: env.WEBHOOK_RETENTION_DAYS,
    };
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
  private crossCheck(): string[] {
    const problems = [...this.problems];
    const { env } = this;
    if (!this.jwt.secret && !env.JWT_JWKS_URL) {
      problems.push(
        'JWT_SECRET_KEY or JWT_JWKS_URL: one is required outside demo mode (the HS secret or the JWKS URL of your sign-in provider)',
      );
    }
    if (env.JWT_ALGORITHM.startsWith('HS') && env.JWT_JWKS_URL && !this.jwt.secret) {
      problems.push('JWT_ALGORITHM: HS* needs JWT_SECRET_KEY (JWKS keys are RS256/ES256)');
    }
    if (env.HTTP_HEADERS_TIMEOUT_SECONDS > env.HTTP_REQUEST_TIMEOUT_SECONDS) {
      problems.push('HTTP_HEADERS_TIMEOUT_SECONDS must not exceed HTTP_REQUEST_TIMEOUT_SECONDS');
    }
    if (this.ai.provider === 'openai' && !env.OPENAI_BASE_URL && !env.OPENAI_API_KEY) {
      problems.push('AI_PROVIDER=openai needs OPENAI_BASE_URL or OPENAI_API_KEY');
    }
    if (this.ai.provider === 'supabase' && !env.EDGE_FUNCTION_URL && !(env.SUPABASE_URL && env.SUPABASE_ANON_KEY)) {
      problems.push('AI_PROVIDER=supabase needs EDGE_FUNCTION_URL or SUPABASE_URL with SUPABASE_ANON_KEY');
    }
    if (env.ATTACHMENT_IMAGE_INPUT === 'signed-url' && !env.S3_BUCKET) {
      problems.push('ATTACHMENT_IMAGE_INPUT=signed-url needs S3_BUCKET (a store the model can reach by URL)');
    }
    if (env.S3_BUCKET && !env.S3_ACCESS_KEY_ID !== !env.S3_SECRET_ACCESS_KEY) {
      problems.push(
        'S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY: set both, or neither (the SDK then finds credentials itself)',
      );
    }
    if (env.WEBHOOK_URLS?.length && !env.WEBHOOK_SECRET) {
      problems.push(
        'WEBHOOK_SECRET: WEBHOOK_URLS needs it, to sign what is sent there (whsec_ and a base64 key, e.g. whsec_$(openssl rand -base64 32))',
      );
    }
    if (env.WEBHOOK_EVENTS.length === 0) {
      problems.push(`WEBHOOK_EVENTS: name at least one of ${WEBHOOK_EVENT_TYPES.join(', ')} (unset: all of them)`);
    }
    if (env.WEBHOOK_BACKOFF_BASE_MS > env.WEBHOOK_BACKOFF_CAP_MS) {
      problems.push('WEBHOOK_BACKOFF_BASE_MS must not exceed WEBHOOK_BACKOFF_CAP_MS');
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
    if (this.ai.provider === 'demo' && env.AI_PROVIDER !== 'demo') {
      problems.push(
        'AI_PROVIDER: no model is configured: set OPENAI_API_KEY (or OPENAI_BASE_URL), or SUPABASE_URL with ' +
          'SUPABASE_ANON_KEY (or EDGE_FUNCTION_URL); AI_PROVIDER=demo runs the offline demo on purpose',
      );
    }
    return problems;
  }
}

/** Beside the embedded database's folder; an in-memory database keeps its files in a temporary folder. */
function defaultAttachmentsDir(pgliteDataDir: string): string {
  if (pgliteDataDir.startsWith('memory://')) return join(tmpdir(), `pulse-attachments-${process.pid}`);
  return join(dirname(resolve(pgliteDataDir)), 'attachments');
}

function pickProvider(env: EnvironmentVariables): AiProviderName {
  if (env.EDGE_FUNCTION_URL || (env.SUPABASE_URL && env.SUPABASE_ANON_KEY)) return 'supabase';
  if (env.OPENAI_BASE_URL || env.OPENAI_API_KEY) return 'openai';
  return 'demo';
}
