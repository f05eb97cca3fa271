// Types for tokens.mjs.

export const TEST_SECRET: string;

export interface TokenOptions {
  secret?: string;
  alg?: string;
  /** Seconds since the epoch, or a span such as '10m'. */
  expiresIn?: number | string;
  issuer?: string;
  audience?: string;
  claims?: Record<string, unknown>;
  /** `null` leaves `sub` out. */
  subject?: string | null;
}

export function signToken(userId: string, opts?: TokenOptions): Promise<string>;
export function unsignedToken(userId: string): string;
export function newUserId(): string;
