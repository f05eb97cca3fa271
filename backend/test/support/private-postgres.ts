import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from '@pulse/testkit';

const run = promisify(execFile);

/** The server binaries; PG_BIN overrides (e.g. /usr/lib/postgresql/16/bin). */
function pgBin(): string {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  if (!versions.length) throw new Error('no PostgreSQL server binaries under /usr/lib/postgresql (set PG_BIN)');
  return join(root, versions[0], 'bin');
}

/**
 * A Postgres cluster of our own (initdb in a temp folder, another port), so a test may
 * terminate, restart and freeze it without touching the machine's shared server. Run as
 * the `postgres` user, since the server refuses to run as root.
 */
export class PrivatePostgres {
  private constructor(
    private readonly dir: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  static async start(): Promise<PrivatePostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-pg-faults-'));
    chownSync(dir, uidOf('postgres'), gidOf('postgres'));
    const cluster = new PrivatePostgres(dir, await freePort());
    await cluster.asPostgres('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '--no-sync']);
    await cluster.ctl('start', [
      '-o',
      `-p ${cluster.port} -c listen_addresses=127.0.0.1 -k ${dir} -c fsync=off -c max_connections=50`,
    ]);
    return cluster;
  }

  /**
   * pg_ctl as `postgres`, waiting for the action to complete. The server log goes to a file:
   * a server started on our stdout would hold the pipe open and the call would never return.
   */
  async ctl(action: string, args: string[] = []): Promise<void> {
    const log = ['start', 'restart'].includes(action) ? ['-l', join(this.dir, 'server.log')] : [];
    await this.asPostgres('pg_ctl', ['-D', this.dataDir, '-w', '-t', '60', ...log, action, ...args]);
  }

  async sql<T extends pg.QueryResultRow>(text: string, database = 'postgres'): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.url(database), connectionTimeoutMillis: 5000 });
    client.on('error', () => undefined);
    await client.connect();
    try {
      return (await client.query<T>(text)).rows;
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  /** The postmaster's pid and those of all its children (backends, checkpointer, ...). */
  processes(): number[] {
    const postmaster = Number(readFileSync(join(this.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    const children = readdirSync('/proc')
      .filter((d) => /^\d+$/.test(d))
      .filter((d) => {
        try {
          return Number(readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === postmaster;
        } catch {
          return false;
        }
      })
      .map(Number);
    return [postmaster, ...children];
  }

  async stop(): Promise<void> {
    // Whatever a failed test left behind: a frozen server cannot stop.
    try {
      for (const pid of this.processes()) process.kill(pid, 'SIGCONT');
    } catch {
      // Not running.
    }
    await this.ctl('stop', ['-m', 'immediate']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async asPostgres(binary: string, args: string[]): Promise<void> {
    await run('runuser', ['-u', 'postgres', '--', join(pgBin(), binary), ...args], { cwd: this.dir });
  }
}

function idFromFile(file: string, name: string, field: number): number {
  const line = readFileSync(file, 'utf8')
    .split('\n')
    .find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`no ${name} in ${file}`);
  return Number(line.split(':')[field]);
}
const uidOf = (user: string) => idFromFile('/etc/passwd', user, 2);
const gidOf = (user: string) => idFromFile('/etc/passwd', user, 3);
