import 'reflect-metadata';
import { Transform, Type, plainToInstance } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  IsUrl,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  validateSync,
  type ValidationError,
} from 'class-validator';
import { parseTrustProxy } from './trust-proxy.js';

const toBool = ({ value }: { value: unknown }) =>
  value === undefined || value === '' ? undefined : ['1', 'true', 'yes', 'on'].includes(String(value).toLowerCase());
const toList = ({ value }: { value: unknown }) =>
  typeof value === 'string'
    ? value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : value;
const emptyToUndefined = ({ value }: { value: unknown }) => (value === '' ? undefined : value);

/**
 * Every environment variable Pulse reads, with its default. Validated once at start;
 * `env.example` mirrors this class.
 */
export class EnvironmentVariables {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 8000;

  @IsString()
  HOST = '0.0.0.0';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Any Postgres (a Supabase project's connection string); unset means embedded PGlite. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  DATABASE_URL?: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(200)
  DATABASE_POOL_SIZE = 10;

  /** Waiting for a new connection, or for a free one in the pool, longer than this is a 503. 0 = wait forever. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600000)
  DATABASE_CONNECT_TIMEOUT_MS = 5000;

  /** Server-side statement_timeout; the client also gives up 1 s later on a server that never answers. 0 = none. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600000)
  DATABASE_STATEMENT_TIMEOUT_MS = 15000;

  /** Server-side idle_in_transaction_session_timeout, so a stuck transaction cannot hold locks. 0 = none. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(600000)
  DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS = 30000;

  /** Folder of the embedded database (used when DATABASE_URL is unset). */
  @IsString()
  @MinLength(1)
  PGLITE_DATA_DIR = '.data/pglite';

  // --- Supabase (spec) ---
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  SUPABASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  SUPABASE_ANON_KEY?: string;

  // --- JWT (spec) ---
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(32)
  JWT_SECRET_KEY?: string;

  @IsIn(['HS256', 'HS384', 'HS512', 'RS256', 'ES256'])
  JWT_ALGORITHM = 'HS256';

  /** Lifetime of widget tokens minted by POST /api/auth/token. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1440)
  JWT_EXPIRE_MINUTES = 30;

  /** JWKS endpoint for RS256/ES256 tokens (Supabase Auth, Auth0, Clerk...). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  JWT_JWKS_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  JWT_ISSUER?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  JWT_AUDIENCE?: string;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(300)
  JWT_CLOCK_TOLERANCE_SECONDS = 30;

  /** Create a public.users row for a valid token whose user is unknown. Defaults to on only in demo mode. */
  @Transform(toBool)
  @IsOptional()
  @IsBoolean()
  AUTO_PROVISION_USERS?: boolean;

  /** Lets an integrator's server mint widget tokens at POST /api/auth/token. Off while unset. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(24)
  PULSE_API_KEY?: string;

  /** Local demo mode: dev token + demo page. Defaults to on when neither DATABASE_URL nor a JWT secret/JWKS is set and NODE_ENV is not production. */
  @Transform(toBool)
  @IsOptional()
  @IsBoolean()
  DEMO_MODE?: boolean;

  @Transform(toList)
  @IsString({ each: true })
  CORS_ORIGINS: string[] = ['*'];

  // --- Chat (spec) ---
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  EDGE_FUNCTION_URL?: string;

  /** Seconds; fractions allowed (tests use 0.5 to see a timeout quickly). */
  @Type(() => Number)
  @IsNumber()
  @Min(0.1)
  @Max(600)
  CHAT_TIMEOUT = 30;

  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(200)
  MAX_CONTEXT_MESSAGES = 10;

  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(2)
  DEFAULT_TEMPERATURE = 0.7;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(32000)
  DEFAULT_MAX_TOKENS = 1000;

  @IsString()
  @MaxLength(8000)
  DEFAULT_SYSTEM_PROMPT = 'You are a helpful assistant.';

  // --- AI providers ---
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsIn(['supabase', 'openai', 'demo'])
  AI_PROVIDER?: 'supabase' | 'openai' | 'demo';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsUrl({ require_tld: false, protocols: ['http', 'https'] })
  OPENAI_BASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  OPENAI_API_KEY?: string;

  @IsString()
  @MinLength(1)
  OPENAI_MODEL = 'gpt-4o-mini';

  /** How long an Idempotency-Key of POST /api/chat/send is remembered. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(8760)
  IDEMPOTENCY_KEY_TTL_HOURS = 24;

  /** Seconds between SSE heartbeat comments, so proxies keep an idle stream open. */
  @Type(() => Number)
  @IsNumber()
  @Min(0.05)
  @Max(300)
  SSE_HEARTBEAT_SECONDS = 15;

  /**
   * On SIGTERM, how long open sends may finish on their own before they are ended as
   * interrupted (their partial answers stored). Below Docker's 10 s stop grace period.
   */
  @Type(() => Number)
  @IsNumber()
  @Min(0)
  @Max(3600)
  SHUTDOWN_DRAIN_SECONDS = 8;

  // --- Abuse limits ---
  /** Requests per user per minute, one budget shared by every authenticated endpoint; 0 = off. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100000)
  RATE_LIMIT_PER_MINUTE = 120;

  /** Sends (POST /api/chat/send) per user per minute, on top of the shared budget; 0 = no separate limit. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100000)
  RATE_LIMIT_SENDS_PER_MINUTE = 20;

  /** Failed authentications per client address per minute, then 429 TOO_MANY_AUTH_FAILURES; 0 = off. */
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(100000)
  AUTH_FAILURES_PER_MINUTE = 30;

  /** The proxies whose X-Forwarded-For is believed: a hop count or their addresses/CIDRs. Unset: none. */
  @Transform(emptyToUndefined)
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
}

export type ConfigErrorList = string[];

function describe(errors: ValidationError[]): string[] {
  return errors.flatMap((e) => Object.values(e.constraints ?? {}).map((msg) => `${e.property}: ${msg}`));
}

/** Parses and validates the environment; throws one error naming every bad variable. */
export function loadEnvironment(env: NodeJS.ProcessEnv = process.env): EnvironmentVariables {
  const known = Object.keys(new EnvironmentVariables());
  const raw: Record<string, unknown> = {};
  for (const key of known) if (env[key] !== undefined) raw[key] = env[key];
  // Keys declared without a default (optional ones) are not enumerable on a new instance.
  for (const key of OPTIONAL_KEYS) if (env[key] !== undefined) raw[key] = env[key];
  const parsed = plainToInstance(EnvironmentVariables, raw, { exposeDefaultValues: true });
  const errors = validateSync(parsed, { skipMissingProperties: false, forbidUnknownValues: true });
  if (errors.length > 0) {
    throw new Error(`Invalid configuration:\n  - ${describe(errors).join('\n  - ')}`);
  }
  return parsed;
}

const OPTIONAL_KEYS = [
  'DATABASE_URL',
  'SUPABASE_URL',
  'SUPABASE_ANON_KEY',
  'JWT_SECRET_KEY',
  'JWT_JWKS_URL',
  'JWT_ISSUER',
  'JWT_AUDIENCE',
  'AUTO_PROVISION_USERS',
  'PULSE_API_KEY',
  'DEMO_MODE',
  'EDGE_FUNCTION_URL',
  'AI_PROVIDER',
  'OPENAI_BASE_URL',
  'OPENAI_API_KEY',
  'TRUST_PROXY',
] as const;
