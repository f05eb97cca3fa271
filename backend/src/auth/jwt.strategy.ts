import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import jwt from 'jsonwebtoken';
import { createRemoteJWKSet } from 'jose';
import { KeyObject, createSecretKey } from 'node:crypto';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import type { AuthUser } from './auth-user.js';
import { MAX_SUBJECT_LENGTH, userIdFor } from './user-id.js';
import { UsersService } from './users.service.js';

const ASYMMETRIC = ['RS256', 'ES256'] as const;

/**
 * Longer than any real token (a Supabase token with custom claims is ~1 KB); a bigger one is
 * refused before it is decoded. (Node itself answers 431 to headers over 16 KB.)
 */
const MAX_TOKEN_LENGTH = 8192;

const malformed = () => new AppError('TOKEN_MALFORMED', 'The token is not a well-formed JWT.');

/** The token's header, or undefined when the token is not three base64url segments with JSON in them. */
function decodeHeader(raw: string): jwt.JwtHeader | undefined {
  if (raw.length > MAX_TOKEN_LENGTH) return undefined;
  try {
    // jsonwebtoken's decode throws (a JSON SyntaxError) on a payload that is not JSON.
    const decoded = jwt.decode(raw, { complete: true });
    return decoded && typeof decoded.payload === 'object' ? decoded.header : undefined;
  } catch {
    return undefined;
  }
}

/** Which algorithms this deployment accepts: never `none`, and HS only with a shared secret. */
function allowedAlgorithms(config: AppConfig): jwt.Algorithm[] {
  const algs = new Set<jwt.Algorithm>();
  const configured = config.jwt.algorithm;
  if (configured.startsWith('HS') && config.jwt.secret) algs.add(configured);
  if (config.jwt.jwksUrl) {
    for (const a of ASYMMETRIC) algs.add(a);
  }
  return [...algs];
}

/**
 * Verifies the host site's token: HS* with JWT_SECRET_KEY, RS256/ES256 with a key from
 * JWT_JWKS_URL chosen by `kid`. The key is picked by the token's algorithm family, so an
 * HS token can never be checked against a public key (algorithm confusion).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  private readonly requireExp: boolean;

  constructor(
    config: AppConfig,
    private readonly users: UsersService,
  ) {
    const algorithms = allowedAlgorithms(config);
    // Handed a string, jsonwebtoken first tries (and fails) to parse it as a PEM public key on
    // every request; a ready secret KeyObject skips that and verifies the same way.
    const hsKey = config.jwt.secret ? createSecretKey(Buffer.from(config.jwt.secret)) : undefined;
    // jose caches the key set and refetches it (at most every 30 s) when an unknown `kid` shows up.
    const jwks = config.jwt.jwksUrl
      ? createRemoteJWKSet(new URL(config.jwt.jwksUrl), { cooldownDuration: 30_000, timeoutDuration: 5_000 })
      : undefined;
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      algorithms,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: config.jwt.clockToleranceSeconds },
      secretOrKeyProvider: (_req: unknown, raw: string, done: (err: unknown, key?: string | Buffer) => void) => {
        const header = decodeHeader(raw);
        if (!header) return done(malformed());
        const alg = header.alg as jwt.Algorithm | undefined;
        if (!alg || !algorithms.includes(alg)) return done(new jwt.JsonWebTokenError('algorithm not allowed'));
        if (alg.startsWith('HS')) return done(null, hsKey as unknown as Buffer);
        if (!jwks) return done(new jwt.JsonWebTokenError('no key set configured'));
        jwks({ alg, kid: header.kid }).then(
          // jsonwebtoken verifies with a KeyObject too; passport-jwt's types only name string | Buffer.
          (key) => done(null, KeyObject.from(key as Parameters<typeof KeyObject.from>[0]) as unknown as Buffer),
          () => done(new jwt.JsonWebTokenError('unknown signing key')),
        );
      },
    });
    this.requireExp = config.jwt.requireExp;
  }

  async validate(payload: Record<string, unknown>): Promise<AuthUser> {
    // A token that never expires cannot be taken back once it leaks.
    if (this.requireExp && typeof payload.exp !== 'number') {
      throw new AppError('TOKEN_WITHOUT_EXPIRY', 'The token has no `exp` claim; tokens must expire.');
    }
    const sub = payload.sub;
    if (typeof sub !== 'string' || sub.trim() === '' || sub.length > MAX_SUBJECT_LENGTH) {
      throw new AppError(
        'UNAUTHORIZED',
        `The token needs a \`sub\` claim naming the signed-in user: a non-empty string of at most ${MAX_SUBJECT_LENGTH} ` +
          'characters (a UUID is used as the user id; any other id, e.g. auth0|abc, is mapped to one).',
      );
    }
    const id = userIdFor(typeof payload.iss === 'string' ? payload.iss : undefined, sub);
    await this.users.ensureKnown(id);
    return { id, claims: payload };
  }
}
