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
    if (config.jwt.secret) this.key = createSecretKey(Buffer.from(config.jwt.secret));
  }

  get canMint(): boolean {
    return Boolean(this.key) && this.config.jwt.algorithm.startsWith('HS');
  }

  async mint(userId: string): Promise<MintedToken> {
    const { jwt: settings } = this.config;
    if (!this.key) throw new Error('TokenService.mint needs JWT_SECRET_KEY');
    const expiresIn = settings.mintedTokenSeconds;
    const issuedAt = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({ role: 'authenticated' })
      .setProtectedHeader({ alg: settings.algorithm, typ: 'JWT' })
      .setSubject(userId)
      .setIssuedAt(issuedAt)
      .setExpirationTime(issuedAt + expiresIn);
    if (settings.issuer) jwt.setIssuer(settings.issuer);
    if (settings.audience) jwt.setAudience(settings.audience);
    return {
      token: await jwt.sign(this.key),
      token_type: 'Bearer',
      expires_in: expiresIn,
      expires_at: new Date(Date.now() + expiresIn * 1000).toISOString(),
    };
  }
}
