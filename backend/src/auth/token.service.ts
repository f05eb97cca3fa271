import { Injectable } from '@nestjs/common';
import { SignJWT } from 'jose';
import { createSecretKey, type KeyObject } from 'node:crypto';
import { AppConfig } from '../config/app-config.js';

export interface MintedToken {
  token: string;
  token_type: 'Bearer';
  expires_in: number;
  expires_at: string;
}

/** Signs short-lived widget tokens with the deployment's own HS secret. */
@Injectable()
export class TokenService {
  private readonly key?: KeyObject;

  constructor(private readonly config: AppConfig) {
    if (config.jwtSecret) this.key = createSecretKey(Buffer.from(config.jwtSecret));
  }

  get canMint(): boolean {
    return Boolean(this.key) && this.config.env.JWT_ALGORITHM.startsWith('HS');
  }

  async mint(userId: string): Promise<MintedToken> {
    const { env } = this.config;
    if (!this.key) throw new Error('TokenService.mint needs JWT_SECRET_KEY');
    const expiresIn = env.JWT_EXPIRE_MINUTES * 60;
    const issuedAt = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: env.JWT_ALGORITHM, typ: 'JWT' })
      .setSubject(userId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + expiresIn);
    if (env.JWT_ISSUER) jwt.setIssuer(env.JWT_ISSUER);
    if (env.JWT_AUDIENCE) jwt.setAudience(env.JWT_AUDIENCE);
    return {
      token: await jwt.sign(this.key),
      token_type: 'Bearer',
      expires_in: expiresIn,
      expires_at: new Date(Date.now() + expiresIn * 1000).toISOString(),
    };
  }
}
