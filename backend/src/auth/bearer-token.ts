import type { Request } from 'express';

/** The scheme and the credentials after it; anything after a second space is ignored. */
const AUTHORIZATION = /(\S+)\s+(\S+)/;

/** The token of an `Authorization: Bearer <token>` header (scheme in any case), or undefined. */
export function bearerToken(req: Request): string | undefined {
  const match = AUTHORIZATION.exec(req.headers.authorization ?? '');
  return match && match[1].toLowerCase() === 'bearer' ? match[2] : undefined;
}
