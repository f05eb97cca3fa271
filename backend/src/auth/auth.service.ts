import { Injectable } from '@nestjs/common';
import { timingSafeEqual, createHash } from 'node:crypto';
import { AppError } from '../common/app-error.js';
import { AppConfig } from '../config/app-config.js';
import { RateLimitsService } from '../rate-limit/rate-limits.service.js';
import type { MintTokenDto } from './dto/mint-token.dto.js';
import { TokenService, type MintedToken } from './token.service.js';
import { userIdFor } from './user-id.js';
import { UsersService } from './users.service.js';

const digest = (s: string) => createHash('sha256').update(s).digest();

@Injectable()
export class AuthService {
  constructor(
    private readonly config: AppConfig,
    private readonly tokens: TokenService,
    private readonly users: UsersService,
    private readonly limits: RateLimitsService,
  ) {}

  /** The integrator's server vouches for its user: the user is registered and gets a widget token. */
  async mintForIntegrator(
    apiKey: string | undefined,
    body: MintTokenDto,
    clientAddress: string,
  ): Promise<MintedToken & { user_id: string }> {
    const expected = this.config.auth.apiKey;
    if (!expected || !this.tokens.canMint) {
      throw new AppError('NOT_FOUND', 'Token minting is not enabled on this server (set PULSE_API_KEY).');
    }
    await this.limits.refuseBlockedAddress(clientAddress);
    // Hashing first gives equal lengths, so the comparison time says nothing about the key.
    if (!apiKey || !timingSafeEqual(digest(apiKey), digest(expected))) {
      await this.limits.recordAuthFailure(clientAddress);
      throw new AppError('INVALID_API_KEY', 'The API key is missing or wrong.');
    }
    // The same id a host-site token with this sub (and JWT_ISSUER as its iss) would map to;
    // the minted token carries the mapped UUID, which maps to itself.
    const id = userIdFor(this.config.jwt.issuer, body.user_id);
    await this.users.provision(id, body);
    return { ...(await this.tokens.mint(id)), user_id: id };
  }
}
