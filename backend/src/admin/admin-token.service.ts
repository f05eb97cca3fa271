import { Injectable } from '@nestjs/common';
import { errors, jwtVerify, SignJWT } from 'jose';
import { createHash, createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { RateLimitsService } from '../rate-limit/rate-limits.service.js';

const ISSUER = 'pulse';
const AUDIENCE = 'pulse:admin';
const digest = (s: string) => createHash('sha256').update(s).digest();

export interface AdminToken {
  token: string;
  token_type: 'Bearer';
  expires_in: number;
  expires_at: string;
}

/**
 * Exchanges PULSE_ADMIN_KEY for a short-lived admin token, and checks such tokens. They are signed
 * with a key derived from the admin key, never with JWT_SECRET_KEY: a visitor's token cannot pass
 * as one, and one cannot pass as a visitor's token. Changing the admin key revokes every token.
 */
@Injectable()
export class AdminTokenService {
  private readonly key?: KeyObject;

  constructor(
    private readonly config: AppConfig,
    private readonly limits: RateLimitsService,
  ) {
    const adminKey = config.admin.key;
    if (adminKey) this.key = createSecretKey(createHmac('sha256', adminKey).update('pulse admin token v1').digest());
  }

  async exchange(presented: string, clientAddress: string): Promise<AdminToken> {
    const expected = this.config.admin.key;
    if (!expected || !this.key) {
      throw new AppError('NOT_FOUND', 'The admin key is not enabled on this server (set PULSE_ADMIN_KEY).');
    }
    await this.limits.refuseBlockedAddress(clientAddress);
    // Hashing first gives equal lengths, so the comparison time says nothing about the key.
    if (!timingSafeEqual(digest(presented), digest(expected))) {
      await this.limits.recordAuthFailure(clientAddress);
      throw new AppError('ADMIN_KEY_INVALID', 'The admin key is wrong.');
    }
    const expiresIn = this.config.admin.tokenMinutes * 60;
    const issuedAt = Math.floor(Date.now() / 1000);
    const token = await new SignJWT({ scope: 'admin' })
      .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setSubject('admin-key')
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + expiresIn)
      .sign(this.key);
    return {
      token,
      token_type: 'Bearer',
      expires_in: expiresIn,
      expires_at: new Date((issuedAt + expiresIn) * 1000).toISOString(),
    };
  }

  /**
   * true: an admin token of this server, valid now. false: not one of ours (another issuer's token,
   * which the caller may check as a host-site token). An expired admin token is refused outright.
   */
  async verify(raw: string): Promise<boolean> {
    if (!this.key) return false;
    try {
      await jwtVerify(raw, this.key, { algorithms: ['HS256'], issuer: ISSUER, audience: AUDIENCE });
      return true;
    } catch (err) {
      if (err instanceof errors.JWTExpired) throw new AppError('TOKEN_EXPIRED', 'The admin token has expired.');
      return false;
    }
  }
}
