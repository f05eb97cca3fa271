/** The caller, as established by a verified JWT. `id` is the public.users.id (the `sub` claim). */
export interface AuthUser {
  id: string;
  claims: Record<string, unknown>;
}
