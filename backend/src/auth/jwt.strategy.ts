import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import {
  createRemoteJWKSet,
  decodeJwt,
  decodeProtectedHeader,
  errors,
  jwtVerify,
  type JWTPayload,
  type JWTVerifyGetKey,
  type JWTVerifyOptions,
} from 'jose';
import { createSecretKey } from 'node:crypto';
import { Strategy } from 'passport-custom';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import type { AuthUser } from './auth-user.js';
import { bearerToken } from './bearer-token.js';
import { MAX_SUBJECT_LENGTH, userIdFor } from './user-id.js';
import { UsersService } from './users.service.js';

const ASYMMETRIC = ['RS256', 'ES256'] as const;

/**
 * Longer than any real token (a Supabase token with custom claims is ~1 KB); a bigger one is
 * refused before it is decoded. (Node itself answers 431 to headers over 16 KB.)
 */
const MAX_TOKEN_LENGTH = 8192;

const malformed = () => new AppError('TOKEN_MALFORMED', 'The token is not a well-formed JWT.');
const invalid = () => new AppError('UNAUTHORIZED', 'The token is invalid.');

/** Three base64url segments, a JSON object in the first two: checked before any key is looked for. */
function isWellFormed(raw: string): boolean {
  if (raw.length > MAX_TOKEN_LENGTH) return false;
  try {
    decodeProtectedHeader(raw);
    decodeJwt(raw);
    return true;
  } catch {
    return false;
  }
}

/** Which algorithms this deployment accepts: never `none`, and HS only with a shared secret. */
function allowedAlgorithms(config: AppConfig): string[] {
  const algs = new Set<string>();
  const configured = config.jwt.algorithm;
  if (configured.startsWith('HS') && config.jwt.secret) algs.add(configured);
  if (config.jwt.jwksUrl) {
    for (const a of ASYMMETRIC) algs.add(a);
  }
  return [...algs];
}

/**
 * The key for a token, by its algorithm's family: the shared secret for HS*, else a key from
 * JWT_JWKS_URL chosen by `kid`. So an HS token can never be checked against a public key
 * (algorithm confusion). jwtVerify has refused any algorithm not allowed before it asks.
 */
function keyResolver(config: AppConfig): JWTVerifyGetKey {
  // A KeyObject, not the secret's bytes: jose turns a KeyObject into a CryptoKey once and keeps
  // it, where bytes would be imported again on every request.
  const hsKey = config.jwt.secret ? createSecretKey(Buffer.from(config.jwt.secret)) : undefined;
  // jose caches the key set and refetches it (at most every 30 s) when an unknown `kid` shows up.
  const jwks = config.jwt.jwksUrl
    ? createRemoteJWKSet(new URL(config.jwt.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 })
    : undefined;
  return async (header, token) => {
    if (header.alg.startsWith('HS')) {
      if (!hsKey) throw invalid();
      return hsKey;
    }
    if (!jwks) throw invalid();
    // No key under that kid, or no key set to be had (a fetch error whose cause is ECONNREFUSED
    // would otherwise read as a database outage): the token cannot be verified, a 401 either way.
    return jwks(header, token).catch(() => {
      throw invalid();
    });
  };
}

/**
 * Verifies the host site's token (HS* with JWT_SECRET_KEY, RS256/ES256 with JWT_JWKS_URL) and
 * finds its user. passport-custom is only the shell Nest's AuthGuard drives: it hands over the
 * request and jose does all the verifying.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly key: JWTVerifyGetKey;
  private readonly options: JWTVerifyOptions;
  private readonly requireExp: boolean;

  constructor(
    config: AppConfig,
    private readonly users: UsersService,
  ) {
    super();
    this.key = keyResolver(config);
    this.options = {
      algorithms: allowedAlgorithms(config),
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      clockTolerance: config.jwt.clockToleranceSeconds,
    };
    this.requireExp = config.jwt.requireExp;
  }

  /** The request's user; null (no token) makes the guard answer that a bearer token is required. */
  async validate(req: Request): Promise<AuthUser | null> {
    const raw = bearerToken(req);
    if (!raw) return null;
    const payload = await this.verifiedClaims(raw);
    const id = userIdFor(typeof payload.iss === 'string' ? payload.iss : undefined, payload.sub);
    await this.users.ensureKnown(id);
    return { id, claims: payload };
  }

  /**
   * A host-site token's claims, checked as for any visitor (signature, algorithm, issuer,
   * audience, expiry, a usable `sub`) but without needing its user in public.users: the admin
   * guard reads the role of a site admin who may never have chatted.
   */
  async verifiedClaims(raw: string): Promise<JWTPayload & { sub: string }> {
    const payload = await this.verify(raw);
    // A token that never expires cannot be taken back once it leaks.
    if (this.requireExp && typeof payload.exp !== 'number') {
      throw new AppError('TOKEN_WITHOUT_EXPIRY', 'The token has no `exp` claim; tokens must expire.');
    }
    const sub: unknown = payload.sub;
    if (typeof sub !== 'string' || sub.trim() === '' || sub.length > MAX_SUBJECT_LENGTH) {
      throw new AppError(
        'UNAUTHORIZED',
        `The token needs a \`sub\` claim naming the signed-in user: a non-empty string of at most ${MAX_SUBJECT_LENGTH} ` +
          'characters (a UUID is used as the user id; any other id, e.g. auth0|abc, is mapped to one).',
      );
    }
    return { ...payload, sub };
  }

  /** The verified claims; every way a token can fail becomes one of our codes. */
  private async verify(raw: string): Promise<JWTPayload> {
    if (!isWellFormed(raw)) throw malformed();
    try {
      return (await jwtVerify(raw, this.key, this.options)).payload;
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new AppError('TOKEN_EXPIRED', 'The token has expired.');
      // Signature, algorithm, issuer, audience, not-before, a claim of the wrong type, no key for the kid.
      if (err instanceof errors.JOSEError) throw invalid();
      throw err;
    }
  }
}
