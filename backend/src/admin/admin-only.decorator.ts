import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { OWN_AUTH } from '../auth/public.decorator.js';
import { ApiErrors } from '../common/api-errors.decorator.js';
import { AdminGuard } from './admin.guard.js';

/**
 * The route is for the site owner: it needs an admin token (POST /api/admin/token) or a host-site
 * JWT carrying the pulse_admin role, checked by AdminGuard instead of the visitors' guard. A
 * visitor's token is refused with 403 ADMIN_REQUIRED.
 */
export const AdminOnly = () =>
  applyDecorators(
    SetMetadata(OWN_AUTH, true),
    UseGuards(AdminGuard),
    ApiTags('admin'),
    ApiBearerAuth(),
    ApiErrors('UNAUTHORIZED', 'TOKEN_EXPIRED', 'ADMIN_REQUIRED'),
  );
