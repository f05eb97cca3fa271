import pg from 'pg';
import { connectionStringFor, describeDatabaseUrl } from './database-url.js';

/** The TLS options node-postgres itself derives from a connection string. */
const sslOf = (url: string) => (new pg.Client({ connectionString: url }) as unknown as { ssl: unknown }).ssl;

describe('DATABASE_URL', () => {
  it('describes where it points without user or password', () => {
    expect(describeDatabaseUrl('postgres://pulse:hunter2@db.example:6543/postgres')).toBe('db.example:6543/postgres');
    expect(describeDatabaseUrl('postgresql://pulse:hunter2@db.example')).toBe('db.example:5432');
  });

  it('reads sslmode=require as libpq does: encrypted, certificate not checked', () => {
    const url = connectionStringFor('postgres://u:p@db.example:5432/postgres?sslmode=require');
    expect(sslOf(url)).toEqual({ rejectUnauthorized: false });
  });

  it('keeps verifying with sslmode=verify-full', () => {
    const url = connectionStringFor('postgres://u:p@db.example:5432/postgres?sslmode=verify-full');
    expect(sslOf(url)).toEqual({});
  });

  it('drops pgbouncer=true, which is for Pulse, not the server', () => {
    expect(connectionStringFor('postgres://u:p@h:6543/db?pgbouncer=true')).toBe('postgres://u:p@h:6543/db');
  });
});
