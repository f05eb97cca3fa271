// Host-site tokens as the suites and benchmarks mint them for the server under test.
import { randomUUID } from 'node:crypto';
import { SignJWT } from 'jose';

/** The JWT_SECRET_KEY of every app and server the suites start. */
export const TEST_SECRET = 'test-secret-that-is-long-enough-0123456789';

/** A host-site token: HS256 with the test secret, ten minutes, unless told otherwise. */
export async function signToken(userId, opts = {}) {
  let jwt = new SignJWT({ role: 'authenticated', ...opts.claims })
    .setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' })
    .setIssuedAt()
    .setExpirationTime(opts.expiresIn ?? '10m');
  if (opts.subject !== null) jwt = jwt.setSubject(opts.subject ?? userId);
  if (opts.issuer) jwt = jwt.setIssuer(opts.issuer);
  if (opts.audience) jwt = jwt.setAudience(opts.audience);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? TEST_SECRET));
}

/** An unsigned `alg: none` token, which must always be refused. */
export function unsignedToken(userId) {
  const enc = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  return `${enc({ alg: 'none', typ: 'JWT' })}.${enc({ sub: userId, iat: now, exp: now + 600 })}.`;
}

export const newUserId = () => randomUUID();
