import { randomBytes } from 'node:crypto';
import { EnvironmentVariables, loadEnvironment } from './environment.js';
import { parseTrustProxy, type TrustProxy } from './trust-proxy.js';

export type AiProviderName = 'supabase' | 'openai' | 'demo';

/**
 * The validated settings plus the decisions derived from them, computed once.
 * Injected everywhere instead of reading process.env.
 */
export class AppConfig {
  readonly env: EnvironmentVariables;
  /** Local demo: dev token endpoint and demo page; never on in production. */
  readonly demoMode: boolean;
  readonly autoProvisionUsers: boolean;
  readonly aiProvider: AiProviderName;
  /** HS* secret; in demo mode without one, a random per-process secret. */
  readonly jwtSecret?: string;
  readonly chatTimeoutMs: number;
  /** Express `trust proxy`: whose X-Forwarded-For gives the client address (TRUST_PROXY). */
  readonly trustProxy: TrustProxy;

  constructor(env: EnvironmentVariables) {
    this.env = env;
    const production = env.NODE_ENV === 'production';
    const nothingConfigured = !env.DATABASE_URL && !env.JWT_SECRET_KEY && !env.JWT_JWKS_URL;
    this.demoMode = !production && (env.DEMO_MODE ?? nothingConfigured);
    this.autoProvisionUsers = env.AUTO_PROVISION_USERS ?? this.demoMode;
    this.jwtSecret = env.JWT_SECRET_KEY ?? (this.demoMode ? randomBytes(32).toString('base64url') : undefined);
    this.aiProvider = env.AI_PROVIDER ?? pickProvider(env);
    this.chatTimeoutMs = env.CHAT_TIMEOUT * 1000;
    this.trustProxy = parseTrustProxy(env.TRUST_PROXY) ?? false;
  }

  static fromEnvironment(source: NodeJS.ProcessEnv = process.env): AppConfig {
    return new AppConfig(loadEnvironment(source));
  }

  /** Problems that validation of single variables cannot see; start-up fails on any. */
  crossCheck(): string[] {
    const problems: string[] = [];
    const { env } = this;
    if (!this.jwtSecret && !env.JWT_JWKS_URL) {
      problems.push('JWT_SECRET_KEY or JWT_JWKS_URL: one is required outside demo mode');
    }
    if (env.JWT_ALGORITHM.startsWith('HS') && env.JWT_JWKS_URL && !this.jwtSecret) {
      problems.push('JWT_ALGORITHM: HS* needs JWT_SECRET_KEY (JWKS keys are RS256/ES256)');
    }
    if (this.aiProvider === 'openai' && !env.OPENAI_BASE_URL && !env.OPENAI_API_KEY) {
      problems.push('AI_PROVIDER=openai needs OPENAI_BASE_URL or OPENAI_API_KEY');
    }
    if (this.aiProvider === 'supabase' && !env.EDGE_FUNCTION_URL && !(env.SUPABASE_URL && env.SUPABASE_ANON_KEY)) {
      problems.push('AI_PROVIDER=supabase needs EDGE_FUNCTION_URL or SUPABASE_URL with SUPABASE_ANON_KEY');
    }
    return problems;
  }
}

function pickProvider(env: EnvironmentVariables): AiProviderName {
  if (env.EDGE_FUNCTION_URL || (env.SUPABASE_URL && env.SUPABASE_ANON_KEY)) return 'supabase';
  if (env.OPENAI_BASE_URL || env.OPENAI_API_KEY) return 'openai';
  return 'demo';
}
