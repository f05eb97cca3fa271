import pg from 'pg';
import { connectionStringFor, describeDatabaseUrl } from '../config/database-url.js';

const PROBE_TIMEOUT_MS = 10_000;

/** Why a first connection failed, in words, from node-postgres' and Node's error codes. */
function reason(err: unknown): string {
  const e = err as { code?: string; message?: string };
  switch (e.code) {
    case 'ECONNREFUSED':
      return 'connection refused: is the server running and listening there?';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'the host name does not resolve';
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return 'the host does not answer (firewall or network?)';
    case '28P01':
    case '28000':
      return `authentication failed: ${e.message ?? ''} (check the user and password)`;
    case '3D000':
      return `${e.message ?? 'the database does not exist'}`;
  }
  const message = e.message ?? String(err);
  if (/does not support SSL/i.test(message)) {
    return 'the server does not accept SSL connections, but the URL asks for them (sslmode); use sslmode=disable only on a trusted network';
  }
  if (/certificate|self[- ]signed|SSL|TLS/i.test(message)) {
    return `the SSL handshake failed: ${message} (sslmode=require encrypts without checking the certificate; verify-full needs a trusted CA via sslrootcert)`;
  }
  if (/timeout/i.test(message)) return `no answer within ${PROBE_TIMEOUT_MS / 1000} s`;
  return message;
}

/**
 * One connection before anything else starts, so an unreachable or misconfigured database
 * is one line naming where Pulse tried (never the password), not a driver stack trace.
 */
export async function probeDatabase(databaseUrl: string): Promise<string | undefined> {
  const client = new pg.Client({
    connectionString: connectionStringFor(databaseUrl),
    connectionTimeoutMillis: PROBE_TIMEOUT_MS,
    application_name: 'pulse',
  });
  // A connection dropped after connecting emits 'error'; without a listener it would crash.
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (err) {
    return `DATABASE_URL: cannot connect to the database at ${describeDatabaseUrl(databaseUrl)}: ${reason(err)}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}
