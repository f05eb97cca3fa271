/** Who is acting as admin: the holder of PULSE_ADMIN_KEY, or a signed-in user whose token carries the pulse_admin role. */
export interface AdminPrincipal {
  via: 'admin-key' | 'jwt-role';
  /** The JWT's `sub` for a role-carrying token; `admin-key` for the key's holder. */
  subject: string;
}

/** The role that makes a host-site token an admin token. */
export const ADMIN_ROLE = 'pulse_admin';

const hasRole = (value: unknown): boolean =>
  value === ADMIN_ROLE || (Array.isArray(value) && value.includes(ADMIN_ROLE));

/**
 * Whether verified claims name the admin role, where identity providers put roles: `role` or
 * `roles` at the top (Auth0/Keycloak style custom claims), or in `app_metadata` (Supabase: only
 * the service role can write it, unlike `user_metadata`, which the user edits).
 */
export function claimsAdminRole(claims: Record<string, unknown>): boolean {
  const app = claims.app_metadata;
  const appClaims = app && typeof app === 'object' ? (app as Record<string, unknown>) : {};
  return [claims.role, claims.roles, appClaims.role, appClaims.roles].some(hasRole);
}
