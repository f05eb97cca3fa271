import { type CanActivate, type ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { bearerToken } from '../auth/bearer-token.js';
import { JwtStrategy } from '../auth/jwt.strategy.js';
import { AppError } from '../common/app-error.js';
import { RateLimitsService } from '../rate-limit/rate-limits.service.js';
import { ADMIN_ROLE, type AdminPrincipal, claimsAdminRole } from './admin-principal.js';
import { AdminTokenService } from './admin-token.service.js';

type AdminRequest = Request & { admin?: AdminPrincipal };

/**
 * Lets through an admin token of this server, or a host-site JWT (verified exactly as a visitor's)
 * whose claims carry the pulse_admin role. Any other valid token is 403 ADMIN_REQUIRED; a wrong
 * one counts as an auth failure of the address, as on the visitors' routes.
 */
@Injectable()
export class AdminGuard implements CanActivate {
  constructor(
    private readonly tokens: AdminTokenService,
    private readonly jwt: JwtStrategy,
    private readonly limits: RateLimitsService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<AdminRequest>();
    const raw = bearerToken(req);
    if (!raw) throw new AppError('UNAUTHORIZED', 'An admin token is required (POST /api/admin/token).');
    await this.limits.refuseBlockedAddress(req.ip);
    if (await this.tokens.verify(raw)) {
      req.admin = { via: 'admin-key', subject: 'admin-key' };
      return true;
    }
    let claims: Record<string, unknown>;
    try {
      claims = await this.jwt.verifiedClaims(raw);
    } catch (err) {
      if (err instanceof AppError && err.status === 401) await this.limits.recordAuthFailure(req.ip);
      throw err;
    }
    if (!claimsAdminRole(claims)) {
      throw new AppError('ADMIN_REQUIRED', `This is for the site's admins: an admin token or the ${ADMIN_ROLE} role.`);
    }
    req.admin = { via: 'jwt-role', subject: String(claims.sub) };
    return true;
  }
}
