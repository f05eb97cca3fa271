import { Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
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
  constructor(private readonly config: AppConfig) {}

  get canMint(): boolean {
    return Boolean(this.config.jwt.secret) && this.config.jwt.algorithm.startsWith('HS');
  }

  mint(userId: string): MintedToken {
    const { jwt: settings } = this.config;
    const expiresIn = settings.mintedTokenSeconds;
    const token = jwt.sign({ role: 'authenticated' }, settings.secret as string, {
      algorithm: settings.algorithm,
      subject: userId,
      expiresIn,
      ...(settings.issuer ? { issuer: settings.issuer } : {}),
      ...(settings.audience ? { audience: settings.audience } : {}),
    });
    return {
      token,
      token_type: 'Bearer',
      expires_in: expiresIn,
      expires_at: new Date(Date.now() + expiresIn * 1000).toISOString(),
    };
  }
}
