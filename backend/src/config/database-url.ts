/**
 * What Pulse reads from DATABASE_URL before handing it to node-postgres: whether it is a
 * Postgres URL at all, where it points (for messages that must never show the password),
 * and whether it goes through a transaction-mode pooler.
 */

const EXAMPLE = 'postgres://USER:PASSWORD@HOST:5432/DATABASE';

/** Why the value is not a usable connection URL, or undefined when it is. Never echoes the value. */
export function databaseUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `is not a URL; expected ${EXAMPLE}`;
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    return `must start with postgres:// or postgresql:// (found ${url.protocol}//); expected ${EXAMPLE}`;
  }
  if (!url.hostname) return `names no host; expected ${EXAMPLE}`;
  const sslmode = url.searchParams.get('sslmode');
  if (sslmode && !['disable', 'prefer', 'require', 'verify-ca', 'verify-full', 'no-verify'].includes(sslmode)) {
    return `sslmode=${sslmode} is not one of disable, require, verify-ca, verify-full`;
  }
  return undefined;
}

/** `host:port/database`, for log lines and errors: the user name and password are left out. */
export function describeDatabaseUrl(value: string): string {
  try {
    const url = new URL(value);
    return `${url.hostname}:${url.port || '5432'}${url.pathname.length > 1 ? url.pathname : ''}`;
  } catch {
    return '(unparsable DATABASE_URL)';
  }
}

/**
 * A transaction-mode pooler hands each transaction to whichever server connection is free,
 * so named prepared statements (kept per server connection) break there. Recognised:
 * Prisma's `?pgbouncer=true` convention and Supabase's transaction pooler (Supavisor on port
 * 6543 at *.pooler.supabase.com; its session pooler on 5432 keeps them working).
 */
export function transactionPoolerHint(value: string): string | undefined {
  try {
    const url = new URL(value);
    if (url.searchParams.get('pgbouncer') === 'true') return '?pgbouncer=true in DATABASE_URL';
    if (url.hostname.endsWith('.pooler.supabase.com') && url.port === '6543') {
      return "Supabase's transaction pooler (port 6543)";
    }
  } catch {
    // Reported by databaseUrlProblem.
  }
  return undefined;
}

/**
 * The URL as node-postgres should read it. `sslmode=require` means what it means to libpq
 * and every Supabase guide: encrypted, certificate not checked (Supabase's certificates chain
 * to its own CA, not one Node trusts). node-postgres 8 reads it as verify-full unless told
 * `uselibpqcompat=true`, so that is added; verify-ca/verify-full keep checking.
 * `pgbouncer=true` is ours, not a server parameter, so it is removed.
 */
export function connectionStringFor(value: string): string {
  const url = new URL(value);
  url.searchParams.delete('pgbouncer');
  if (url.searchParams.get('sslmode') === 'require' && !url.searchParams.has('uselibpqcompat')) {
    url.searchParams.set('uselibpqcompat', 'true');
  }
  return url.toString();
}
