/**
 * The caller, as established by a verified JWT. `id` is the public.users id: the `sub` claim
 * when it is a UUID, else the UUID mapped from issuer and `sub` (auth/user-id.ts).
 */
export interface AuthUser {
  id: string;
  claims: Record<string, unknown>;
}
