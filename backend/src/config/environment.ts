import 'reflect-metadata';
import { applyDecorators } from '@nestjs/common';
import { Transform, Type, plainToInstance } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  getMetadataStorage,
  isURL,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { databaseUrlProblem } from './database-url.js';
import { splitList, toBoolean } from './transforms.js';
import { parseTrustProxy } from './trust-proxy.js';
import { ATTACHMENT_MEDIA_TYPES } from './attachment-types.js';
import { WEBHOOK_EVENT_TYPES, WEBHOOK_SECRET_PATTERN } from './webhook-settings.js';

const JWT_ALGORITHMS = ['HS256', 'HS384', 'HS512', 'RS256', 'ES256'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** isURL alone takes `127.0.0.1:8352/v1` for a URL; every request to it would then fail. */
const IsHttpUrl = (options?: { each?: boolean }) =>
  ValidateBy(
    {
      name: 'isHttpUrl',
      validator: {
        validate: (value) =>
          typeof value === 'string' &&
          isURL(value, { require_tld: false, require_protocol: true, protocols: ['http', 'https'] }),
        defaultMessage: (args) =>
          /^https?:\/\//i.test(String(args?.value))
            ? `is not a valid URL (got "${String(args?.value)}")`
            : `must start with http:// or https:// (got "${String(args?.value)}")`,
      },
    },
    options,
  );

/** The reason is spelled out without echoing the value, which may hold a password. */
const IsPostgresUrl = () =>
  ValidateBy({
    name: 'isPostgresUrl',
    validator: {
      validate: (value) => typeof value === 'string' && databaseUrlProblem(value) === undefined,
      defaultMessage: (args) => databaseUrlProblem(String(args?.value)) ?? 'is not a Postgres URL',
    },
  });

// The shapes a setting takes, named once (as immich's server/src/validation.ts does). The
// numeric ones keep @Min/@Max as such: `bounds()` reads them back for the start-up message.
// An empty variable never reaches these: parseEnvironment drops it, so its default applies.

/** A whole number from `min` to `max`. */
const IntSetting = (min: number, max: number) =>
  applyDecorators(
    Type(() => Number),
    IsInt(),
    Min(min),
    Max(max),
  );

/** A number (fractions allowed) from `min` to `max`. */
const NumberSetting = (min: number, max: number) =>
  applyDecorators(
    Type(() => Number),
    IsNumber(),
    Min(min),
    Max(max),
  );

/** Optional true/false (1/0, yes/no, on/off); anything else is refused rather than read as false. */
const BoolSetting = () =>
  applyDecorators(
    Transform(({ value }) => toBoolean(value)),
    IsOptional(),
    IsBoolean(),
  );

/** Optional free text (a key, an issuer...). */
const OptionalStringSetting = () => applyDecorators(IsOptional(), IsString());

/** Optional http(s) URL. */
const HttpUrlSetting = () => applyDecorators(IsOptional(), IsHttpUrl());

/**
 * Every environment variable Pulse reads, with its default. Validated once at start;
 * `env.example` mirrors this class.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @IntSetting(0, 65535)
  PORT = 8000;

  @IsString()
  HOST = '0.0.0.0';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  /** Any Postgres (a Supabase project's connection string); unset means embedded PGlite. */
  @IsOptional()
  @IsPostgresUrl()
  DATABASE_URL?: string;

  /**
   * Named prepared statements (parse once per connection). Unset: on, except behind a
   * transaction-mode pooler recognised in DATABASE_URL (`?pgbouncer=true`, Supabase's port 6543).
   */
  @BoolSetting()
  DATABASE_PREPARED_STATEMENTS?: boolean;

  @IntSetting(1, 200)
  DATABASE_POOL_SIZE = 10;

  /** Waiting for a new connection, or for a free one in the pool, longer than this is a 503. 0 = wait forever. */
  @IntSetting(0, 600000)
  DATABASE_CONNECT_TIMEOUT_MS = 5000;

  /** Server-side statement_timeout; the client also gives up 1 s later on a server that never answers. 0 = none. */
  @IntSetting(0, 600000)
  DATABASE_STATEMENT_TIMEOUT_MS = 15000;

  /** Server-side idle_in_transaction_session_timeout, so a stuck transaction cannot hold locks. 0 = none. */
  @IntSetting(0, 600000)
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = 30000;

  /** Folder of the embedded database (used when DATABASE_URL is unset). */
  @IsString()
  @MinLength(1)
  PGLITE_DATA_DIR = '.data/pglite';

  // --- Supabase (spec) ---
  @HttpUrlSetting()
  SUPABASE_URL?: string;

  @OptionalStringSetting()
  SUPABASE_ANON_KEY?: string;

  // --- JWT (spec) ---
  @OptionalStringSetting()
  @MinLength(32)
  JWT_SECRET_KEY?: string;

  @IsIn(JWT_ALGORITHMS)
  JWT_ALGORITHM: JwtAlgorithm = 'HS256';

  /** Lifetime of widget tokens minted by POST /api/auth/token. */
  @IntSetting(1, 1440)
  JWT_EXPIRE_MINUTES = 30;

  /** JWKS endpoint for RS256/ES256 tokens (Supabase Auth, Auth0, Clerk...). */
  @HttpUrlSetting()
  JWT_JWKS_URL?: string;

  @OptionalStringSetting()
  JWT_ISSUER?: string;

  @OptionalStringSetting()
  JWT_AUDIENCE?: string;

  @IntSetting(0, 300)
  JWT_CLOCK_TOLERANCE_SECONDS = 30;

  /** Refuse tokens without an `exp` claim (401 TOKEN_WITHOUT_EXPIRY). Default true; false allows them. */
  @BoolSetting()
  JWT_REQUIRE_EXP?: boolean;

  /** Create a public.users row for a valid token whose user is unknown. Defaults to on only in demo mode. */
  @BoolSetting()
  AUTO_PROVISION_USERS?: boolean;

  /** Lets an integrator's server mint widget tokens at POST /api/auth/token. Off while unset. */
  @OptionalStringSetting()
  @MinLength(24)
  PULSE_API_KEY?: string;

  /** Local demo mode: dev token + demo page. Defaults to on when neither DATABASE_URL nor a JWT secret/JWKS is set and NODE_ENV is not production. */
  @BoolSetting()
  DEMO_MODE?: boolean;

  /** Unset (or empty): `*`, except in production, where it must be given. */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? splitList(value) : value))
  @IsString({ each: true })
  CORS_ORIGINS: string[] = ['*'];

  // --- Chat (spec) ---
  @HttpUrlSetting()
  EDGE_FUNCTION_URL?: string;

  /** Seconds; fractions allowed (tests use 0.5 to see a timeout quickly). */
  @NumberSetting(0.1, 600)
  CHAT_TIMEOUT = 30;

  @IntSetting(0, 200)
  MAX_CONTEXT_MESSAGES = 10;

  /** Tokens of the whole prompt (cl100k_base); older turns are left out until it fits. 0 = no token cap. */
  @IntSetting(0, 2000000)
  MAX_CONTEXT_TOKENS = 8000;

  /** Fold the turns that fall out of the window into a stored running summary made by the model. */
  @BoolSetting()
  CONTEXT_SUMMARY = false;

  /** The model that writes those summaries (openai provider); unset = the chat model. */
  @OptionalStringSetting()
  @MinLength(1)
  @MaxLength(200)
  SUMMARY_MODEL?: string;

  /** A model (a cheaper one, say) titles each new chat after its first answer; unset = the first line stays the title. */
  @OptionalStringSetting()
  @MinLength(1)
  @MaxLength(200)
  TITLE_MODEL?: string;

  @NumberSetting(0, 2)
  DEFAULT_TEMPERATURE = 0.7;

  @IntSetting(1, 32000)
  DEFAULT_MAX_TOKENS = 1000;

  @IsString()
  @MaxLength(8000)
  DEFAULT_SYSTEM_PROMPT = 'You are a helpful assistant.';

  // --- AI providers ---
  @IsOptional()
  @IsIn(['supabase', 'openai', 'demo'])
  AI_PROVIDER?: 'supabase' | 'openai' | 'demo';

  @HttpUrlSetting()
  OPENAI_BASE_URL?: string;

  @OptionalStringSetting()
  OPENAI_API_KEY?: string;

  @IsString()
  @MinLength(1)
  OPENAI_MODEL = 'gpt-4o-mini';

  /** How long an Idempotency-Key of POST /api/chat/send is remembered. */
  @IntSetting(1, 8760)
  IDEMPOTENCY_KEY_TTL_HOURS = 24;

  /** Seconds between SSE heartbeat comments, so proxies keep an idle stream open. */
  @NumberSetting(0.05, 300)
  SSE_HEARTBEAT_SECONDS = 15;

  /**
   * Milliseconds a streamed answer's text deltas may wait to leave together in one write (the
   * first delta and every other event go at once); 0 writes each delta as it comes.
   */
  @IntSetting(0, 1000)
  SSE_FLUSH_MS = 50;

  /**
   * Seconds a client may take to send a request's headers, then the whole request (body
   * included); a slow-loris connection is closed with 408. Neither limits a response, so an
   * answer may stream for as long as it takes.
   */
  @NumberSetting(0.5, 600)
  HTTP_HEADERS_TIMEOUT_SECONDS = 10;

  @NumberSetting(0.5, 3600)
  HTTP_REQUEST_TIMEOUT_SECONDS = 30;

  // --- Replicas (several Pulse processes over one database) ---
  /** Redis shared by every replica (rate limits, send order, stop, resume); unset means one process, all in memory. */
  @IsOptional()
  @Matches(/^rediss?:\/\/[^\s]+$/, { message: 'must start with redis:// or rediss:// (e.g. redis://127.0.0.1:6379)' })
  REDIS_URL?: string;

  /** Prefix of every Redis key and channel Pulse uses, so several deployments (or test runs) share one Redis. */
  @IsString()
  @MinLength(1)
  @MaxLength(100)
  REDIS_KEY_PREFIX = 'pulse:';

  /** How long an answer's events stay resumable (GET /api/chat/sessions/{id}/stream) after it ended. */
  @IntSetting(1, 86400)
  STREAM_RESUME_SECONDS = 300;

  /** A replica renews the lease of each answer it produces; one silent this long is presumed dead and its answer interrupted. */
  @NumberSetting(0.2, 300)
  ANSWER_LEASE_SECONDS = 10;

  /** On SIGTERM, how long in-flight answers may go on before they are stored as interrupted. */
  @NumberSetting(0, 3600)
  SHUTDOWN_DRAIN_SECONDS = 30;

  // --- Abuse limits ---
  /** Requests per user per minute, one budget shared by every authenticated endpoint; 0 = off. */
  @IntSetting(0, 100000)
  RATE_LIMIT_PER_MINUTE = 120;

  /** Sends (POST /api/chat/send) per user per minute, on top of the shared budget; 0 = no separate limit. */
  @IntSetting(0, 100000)
  RATE_LIMIT_SENDS_PER_MINUTE = 20;

  /** Failed authentications per client address per minute, then 429 TOO_MANY_AUTH_FAILURES; 0 = off. */
  @IntSetting(0, 100000)
  AUTH_FAILURES_PER_MINUTE = 30;

  // --- Attachments (files, images, voice) ---
  /** Largest file one upload may carry, in bytes; larger is 413 ATTACHMENT_TOO_LARGE, refused before it is read. */
  @IntSetting(1, 1073741824)
  ATTACHMENT_MAX_BYTES = 20971520;

  /** Attachments one message may carry; more is 400 TOO_MANY_ATTACHMENTS. 0 turns attachments off. */
  @IntSetting(0, 20)
  ATTACHMENTS_PER_MESSAGE = 5;

  /** Bytes of attachments one user may keep in all; past it 413 ATTACHMENT_QUOTA_EXCEEDED. 0 = no quota. */
  @IntSetting(0, 1099511627776)
  ATTACHMENT_QUOTA_BYTES = 209715200;

  /** Hours an upload no message used is kept, then deleted with its file. */
  @NumberSetting(0.01, 8760)
  ATTACHMENT_UNUSED_TTL_HOURS = 24;

  /** The types accepted, decided from the bytes (not the name): comma-separated media types. */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? splitList(value) : value))
  @IsIn(ATTACHMENT_MEDIA_TYPES, { each: true })
  // All of them: SVG and HTML are never among them (they carry scripts).
  ATTACHMENT_TYPES: string[] = [...ATTACHMENT_MEDIA_TYPES];

  /** A text, PDF or DOCX file longer than this (tokens) is searched: only its best passages reach the model. */
  @IntSetting(100, 200000)
  ATTACHMENT_TEXT_MAX_TOKENS = 4000;

  /** Pages of a PDF read at most; a longer PDF is 400 ATTACHMENT_TOO_MANY_PAGES. */
  @IntSetting(1, 10000)
  ATTACHMENT_PDF_MAX_PAGES = 1000;

  /** How an image reaches the model: inline as a data URL, or as a short-lived signed URL of the store (S3 only). */
  @IsIn(['data-url', 'signed-url'])
  ATTACHMENT_IMAGE_INPUT: 'data-url' | 'signed-url' = 'data-url';

  /** Whether the model takes images; false refuses an image send with 400 ATTACHMENT_NOT_SUPPORTED before storing it. */
  @BoolSetting()
  AI_ACCEPTS_IMAGES?: boolean;

  /** The widget shrinks an image larger than this (bytes) in the browser before uploading it; 0 = never. */
  @IntSetting(0, 1073741824)
  IMAGE_RESIZE_OVER_BYTES = 1572864;

  /** Folder of the files when no S3 bucket is set; unset: beside the embedded database (PGLITE_DATA_DIR/../attachments). */
  @OptionalStringSetting()
  @MinLength(1)
  ATTACHMENTS_DIR?: string;

  /** An S3-compatible bucket (AWS S3, Supabase Storage's S3 endpoint, R2, MinIO) keeps the files. */
  @OptionalStringSetting()
  @MinLength(1)
  S3_BUCKET?: string;

  /** The S3 endpoint; unset = AWS. Supabase: https://<project>.supabase.co/storage/v1/s3 */
  @HttpUrlSetting()
  S3_ENDPOINT?: string;

  @IsString()
  @MinLength(1)
  S3_REGION = 'us-east-1';

  @OptionalStringSetting()
  S3_ACCESS_KEY_ID?: string;

  @OptionalStringSetting()
  S3_SECRET_ACCESS_KEY?: string;

  /** Path-style addressing (bucket in the path); unset: on when S3_ENDPOINT is set (MinIO, Supabase need it). */
  @BoolSetting()
  S3_FORCE_PATH_STYLE?: boolean;

  /** Key prefix of Pulse's objects in the bucket. */
  @IsString()
  @MaxLength(200)
  S3_PREFIX = 'pulse/';

  /** An OpenAI-compatible server for POST /v1/audio/transcriptions (Whisper, Groq, OpenAI); unset = OPENAI_BASE_URL. */
  @HttpUrlSetting()
  TRANSCRIPTION_BASE_URL?: string;

  @IsString()
  @MinLength(1)
  TRANSCRIPTION_MODEL = 'whisper-1';

  /** Key for the transcription (and speech) server; unset = OPENAI_API_KEY. */
  @OptionalStringSetting()
  TRANSCRIPTION_API_KEY?: string;

  /** A model for POST /v1/audio/speech (answers read aloud); unset = the browser's own speech synthesis. */
  @OptionalStringSetting()
  @MinLength(1)
  SPEECH_MODEL?: string;

  @IsString()
  @MinLength(1)
  SPEECH_VOICE = 'alloy';

  // --- The host page's tools ---
  /** Tools one send may carry; more is 400 TOOL_DEFINITION_INVALID. 0 turns page tools off. */
  @IntSetting(0, 64)
  MAX_CLIENT_TOOLS = 16;

  /** Only these tool names may be registered by pages (comma-separated); unset: any valid name. */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? splitList(value) : value))
  @IsOptional()
  @IsString({ each: true })
  @Matches(/^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/, {
    each: true,
    message: 'ALLOWED_CLIENT_TOOLS: each name must match ^[a-zA-Z][a-zA-Z0-9_-]{0,63}$',
  })
  ALLOWED_CLIENT_TOOLS?: string[];

  /** Seconds a tool call waits for the page's result; then it ends as an error and the answer with it. */
  @IntSetting(5, 86400)
  TOOL_RESULT_TIMEOUT_SECONDS = 300;

  /** The largest result (serialized JSON) a page may give a tool call; larger is 413 TOOL_RESULT_TOO_LARGE. */
  @IntSetting(256, 1048576)
  TOOL_RESULT_MAX_BYTES = 16384;

  /** Rounds of tool calls one answer may make before the model is asked to answer without tools. */
  @IntSetting(1, 32)
  MAX_TOOL_ROUNDS = 8;

  // --- The site owner: quotas, admin ---
  /** Messages one user may send per UTC day; the next is 429 QUOTA_EXCEEDED until midnight UTC. 0 = no quota. */
  @IntSetting(0, 1000000000)
  QUOTA_MESSAGES_PER_DAY = 0;

  /** Tokens (prompt + completion) one user's answers may use per UTC day; past it 429 QUOTA_EXCEEDED. 0 = no quota. */
  @IntSetting(0, 1000000000000)
  QUOTA_TOKENS_PER_DAY = 0;

  /** The admin key, exchanged at POST /api/admin/token for a short-lived admin token. Unset: only a JWT with the pulse_admin role is an admin. */
  @OptionalStringSetting()
  @MinLength(24, { message: 'PULSE_ADMIN_KEY must be at least 24 characters (use a random value)' })
  PULSE_ADMIN_KEY?: string;

  /** Lifetime of an admin token from POST /api/admin/token. */
  @IntSetting(1, 1440)
  ADMIN_TOKEN_MINUTES = 15;

  /** true: the admin API and dashboard may show conversations' text; false (default): only numbers and ids. */
  @BoolSetting()
  ADMIN_CAN_READ_CONVERSATIONS = false;

  /** The proxies whose X-Forwarded-For is believed: a hop count or their addresses/CIDRs. Unset: none. */
  @IsOptional()
  @ValidateBy({
    name: 'trustProxy',
    validator: {
      validate: (v: unknown) => typeof v === 'string' && parseTrustProxy(v) !== undefined,
      defaultMessage: () =>
        'must be a hop count, or a comma-separated list of proxy addresses/CIDRs (or loopback, linklocal, uniquelocal); never true',
    },
  })
  TRUST_PROXY?: string;

  // --- Webhooks ---
  /** Where Pulse POSTs signed events, comma-separated; unset: none (the admin API may add some). */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? splitList(value) : value))
  @IsOptional()
  @IsHttpUrl({ each: true })
  WEBHOOK_URLS?: string[];

  /** The Standard Webhooks signing secret of those URLs: whsec_ and a base64 key of 24 to 64 bytes. */
  @IsOptional()
  @Matches(WEBHOOK_SECRET_PATTERN, {
    message: 'must be whsec_ followed by a base64 key of 24 to 64 bytes (e.g. whsec_$(openssl rand -base64 32))',
  })
  WEBHOOK_SECRET?: string;

  /** The events those URLs get, comma-separated; all of them by default. */
  @Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? splitList(value) : value))
  @IsIn(WEBHOOK_EVENT_TYPES, { each: true })
  WEBHOOK_EVENTS: string[] = [...WEBHOOK_EVENT_TYPES];

  /** Attempts of one delivery, then it is dead (the admin API can send it again). */
  @IntSetting(1, 100)
  WEBHOOK_MAX_ATTEMPTS = 15;

  /** A receiver that has not answered in this long has failed that attempt. */
  @IntSetting(100, 120000)
  WEBHOOK_TIMEOUT_MS = 10000;

  /** Retries wait a random time up to base * 2^(attempt - 1), at most the cap ("full jitter"). */
  @IntSetting(1, 86400000)
  WEBHOOK_BACKOFF_BASE_MS = 10000;

  @IntSetting(1, 86400000)
  WEBHOOK_BACKOFF_CAP_MS = 3600000;

  /** How often a replica looks for due deliveries besides being woken by a change. */
  @IntSetting(10, 600000)
  WEBHOOK_POLL_MS = 1000;

  /** Days a delivered event and its delivery log are kept; dead ones stay until retried or deleted. 0 = forever. */
  @IntSetting(0, 3650)
  WEBHOOK_RETENTION_DAYS = 7;
}

/** Start-up refused: `problems` holds one line per bad setting, each naming its variable. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'ConfigError';
  }
}

/** Variables whose value may be a secret: never quoted back in a message. */
const SECRET = new Set([
  'DATABASE_URL',
  'JWT_SECRET_KEY',
  'SUPABASE_ANON_KEY',
  'PULSE_API_KEY',
  'OPENAI_API_KEY',
  'S3_SECRET_ACCESS_KEY',
  'TRANSCRIPTION_API_KEY',
  'PULSE_ADMIN_KEY',
  'WEBHOOK_SECRET',
]);

/** The Min/Max bounds declared on a numeric variable, for a one-line "from .. to .." message. */
function bounds(property: string): { min?: number; max?: number; integer?: boolean } {
  const found: { min?: number; max?: number; integer?: boolean } = {};
  for (const m of getMetadataStorage().getTargetValidationMetadatas(EnvironmentVariables, '', true, false)) {
    if (m.propertyName !== property) continue;
    if (m.name === 'min') found.min = m.constraints[0] as number;
    if (m.name === 'max') found.max = m.constraints[0] as number;
    if (m.name === 'isInt') found.integer = true;
  }
  return found;
}

/** One line per bad variable (a non-number PORT fails three constraints but is one mistake). */
function describe(errors: ValidationError[], raw: Record<string, unknown>): string[] {
  return errors.map((e) => {
    const constraints = e.constraints ?? {};
    const got = SECRET.has(e.property) ? '' : ` (got "${String(raw[e.property])}")`;
    if ('isInt' in constraints || 'isNumber' in constraints || 'min' in constraints || 'max' in constraints) {
      const { min, max, integer } = bounds(e.property);
      const kind = integer ? 'a whole number' : 'a number';
      return `${e.property}: must be ${kind} from ${min} to ${max}${got}`;
    }
    if ('isIn' in constraints) {
      return `${e.property}: ${constraints.isIn.replace(`${e.property} `, '')}${got}`;
    }
    const [first] = Object.values(constraints);
    return `${e.property}: ${first.startsWith(`${e.property} `) ? first.slice(e.property.length + 1) : first}`;
  });
}

export interface ParsedEnvironment {
  env: EnvironmentVariables;
  /** One line per bad variable; empty when all are valid. */
  problems: string[];
  /** Variables set to a non-empty value (as opposed to left at their default). */
  given: ReadonlySet<string>;
}

/** Parses and validates the environment, collecting every bad variable rather than stopping at one. */
export function parseEnvironment(env: NodeJS.ProcessEnv = process.env): ParsedEnvironment {
  const raw: Record<string, unknown> = {};
  // Empty means unset, as in env files and compose's ${VAR:-}: the default applies.
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') raw[key] = value;
  const parsed = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  // whitelist: the rest of the process environment (PATH, HOME...) is stripped, not validated;
  // a variable is known to Pulse by being declared above, with no second list to keep in step.
  const errors = validateSync(parsed, { whitelist: true, forbidUnknownValues: true });
  const given = new Set(Object.keys(raw).filter((key) => Object.hasOwn(parsed, key) && String(raw[key]).trim() !== ''));
  return { env: parsed, problems: describe(errors, raw), given };
}

/** Parses and validates the environment; throws one error naming every bad variable. */
export function loadEnvironment(env: NodeJS.ProcessEnv = process.env): EnvironmentVariables {
  const { env: parsed, problems } = parseEnvironment(env);
  if (problems.length > 0) throw new ConfigError(problems);
  return parsed;
}
