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
    return Boolean(this.config.jwtSecret) && this.config.env.JWT_ALGORITHM.startsWith('HS');
  }

  mint(userId: string): MintedToken {
    const { env } = this.config;
    const expiresIn = env.JWT_EXPIRE_MINUTES * 60;
    const token = jwt.sign({ role: 'authenticated' }, this.config.jwtSecret as string, {
      algorithm: env.JWT_ALGORITHM as jwt.Algorithm,
      subject: userId,
      expiresIn,
      ...(env.JWT_ISSUER ? { issuer: env.JWT_ISSUER } : {}),
      ...(env.JWT_AUDIENCE ? { audience: env.JWT_AUDIENCE } : {}),
    });
    return {
      token,
      token_type: 'Bearer',
      expires_in: expiresIn,
      expires_at: new Date(Date.now() + expiresIn * 1000).toISOString(),
    };
  }
}
