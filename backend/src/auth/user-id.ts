import { createHash } from 'node:crypto';
import { UUID_PATTERN } from '../common/uuid.js';

/**
 * The fixed UUIDv5 namespace of Pulse user ids. Never change it: every mapped user id
 * (and so every stored session) depends on it. Documented in the README.
 */
export const USER_ID_NAMESPACE = '5f0c3e0a-8f4e-4d2b-9c57-2f3a1e6b7d90';

/** Longest `sub` (or minted user id) Pulse accepts. */
export const MAX_SUBJECT_LENGTH = 255;

/** RFC 9562 UUID version 5: SHA-1 over the namespace's 16 bytes and the name's UTF-8 bytes. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * The public.users id of a signed-in user. A `sub` that is a UUID (Supabase Auth, or your
 * own users table) is the id itself, lowercased. Any other `sub` (`auth0|abc`, Clerk's
 * `user_2ab…`, a Firebase uid) becomes UUIDv5(USER_ID_NAMESPACE, issuer + "\n" + sub), where
 * issuer is the token's `iss` ("" when it has none): stable across restarts and servers, and
 * two providers' equal subs stay apart. Row-level security keys on this id.
 */
export function userIdFor(issuer: string | undefined, subject: string): string {
  if (UUID_PATTERN.test(subject)) return subject.toLowerCase();
  return uuidV5(`${issuer ?? ''}\n${subject}`, USER_ID_NAMESPACE);
}
