import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';

export const IS_PUBLIC = 'pulse:isPublic';
/** Marks the operation in the OpenAPI document; openapi.ts turns it into `security: []`. */
export const PUBLIC_EXTENSION = 'x-pulse-public';

/** Opens a route to callers without a token. Everything else is protected by the global guard. */
export const Public = () => applyDecorators(SetMetadata(IS_PUBLIC, true), ApiExtension(PUBLIC_EXTENSION, true));

/**
 * The route checks its caller with a guard of its own (the admin routes' AdminGuard) instead of
 * the visitors' JwtAuthGuard; unlike @Public() it stays authenticated in the OpenAPI document.
 */
export const OWN_AUTH = 'pulse:ownAuth';
