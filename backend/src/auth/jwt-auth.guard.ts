import { type ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AuthGuard } from '@nestjs/passport';
import type { Request } from 'express';
import { AppError } from '../common/app-error.js';
import { databaseUnavailable, isDatabaseUnavailable } from '../database/database-errors.js';
import { RateLimitsService } from '../rate-limit/rate-limits.service.js';
import { bearerToken } from './bearer-token.js';
import { IS_PUBLIC, OWN_AUTH } from './public.decorator.js';

/**
 * A presented token that was wrong or names an unknown user: each cost a verification or a
 * lookup, so they count against the address. A missing token costs nothing, and an expired
 * one is the widget's normal cue to refresh.
 */
const AUTH_FAILURES = new Set(['UNAUTHORIZED', 'TOKEN_MALFORMED', 'TOKEN_WITHOUT_EXPIRY', 'USER_NOT_FOUND']);

function countsAsAuthFailure(err: unknown, req: Request): boolean {
  return err instanceof AppError && AUTH_FAILURES.has(err.code) && !!bearerToken(req);
}

/**
 * Global guard: every route needs a valid bearer token unless marked @Public(). An address
 * that failed too often is refused, and each failure it makes is counted. (What the request
 * then costs is RateLimitGuard's business.)
 */
@Injectable()
export class JwtAuthGuard extends AuthGuard('jwt') {
  constructor(
    private readonly reflector: Reflector,
    private readonly limits: RateLimitsService,
  ) {
    super();
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;
    if (this.reflector.getAllAndOverride<boolean>(OWN_AUTH, targets)) return true;
    const req = context.switchToHttp().getRequest<Request>();
    // Read while the token is checked (with Redis its round trip overlaps the check). A blocked
    // address is refused whatever its token was, so it learns nothing from the check.
    const blocked = this.limits.refuseBlockedAddress(req.ip);
    blocked.catch(() => undefined);
    try {
      await super.canActivate(context);
    } catch (err) {
      await blocked;
      if (countsAsAuthFailure(err, req)) await this.limits.recordAuthFailure(req.ip);
      throw err;
    }
    await blocked;
    return true;
  }

  handleRequest<T>(err: unknown, user: T): T {
    // JwtStrategy has already turned every refused token into our own error.
    if (err instanceof AppError) throw err;
    // The user lookup could not reach the database: the token may be fine, so not a 401.
    if (isDatabaseUnavailable(err)) throw databaseUnavailable();
    if (user && !err) return user;
    throw new AppError('UNAUTHORIZED', 'A bearer token is required.');
  }
}
