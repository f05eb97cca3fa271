import { type Balancer, eventually, freePort, newUserId, signToken, startBalancer, TEST_SECRET } from '@pulse/testkit';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { ADMIN_URL } from '../support/test-database.js';

const BACKEND = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(BACKEND, 'dist', 'main.js');

export interface Replica {
  name: string;
  port: number;
  url: string;
  process?: ChildProcess;
  exited?: Promise<number | null>;
  output: string[];
}

/**
 * Several real Pulse processes (the built server, `node backend/dist/main.js`) over one fresh
 * Postgres database and the machine's Redis (a key prefix of their own), behind HAProxy
 * (Debian's package), round-robin without stickiness.
 */
export class Cluster {
  readonly replicas: Replica[] = [];
  url = '';
  db!: pg.Pool;
  private balancer?: Balancer;
  private closing = false;
  private dbName = `pulse_topology_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  readonly prefix = `pulse-topology-${process.pid}-${Date.now()}:`;
  private env: Record<string, string> = {};

  static async start(count: number, env: Record<string, string>): Promise<Cluster> {
    if (!existsSync(MAIN)) execFileSync('npm', ['run', 'build'], { cwd: BACKEND, stdio: 'inherit' });
    const cluster = new Cluster();
    try {
      await cluster.boot(count, env);
    } catch (err) {
      await cluster.close();
      throw err;
    }
    return cluster;
  }

  private async boot(count: number, env: Record<string, string>): Promise<void> {
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`create database ${this.dbName}`);
    await admin.end();
    const dbUrl = new URL(ADMIN_URL);
    dbUrl.pathname = `/${this.dbName}`;
    this.env = {
      NODE_ENV: 'test',
      LOG_LEVEL: 'warn',
      HOST: '127.0.0.1',
      JWT_SECRET_KEY: TEST_SECRET,
      DEMO_MODE: 'false',
      DATABASE_URL: dbUrl.toString(),
      DATABASE_POOL_SIZE: '20',
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: this.prefix,
      ...env,
    };
    this.db = new pg.Pool({ connectionString: dbUrl.toString(), max: 4 });
    // pool.end() lets its connections go without waiting for them to close, so close()'s forced
    // drop can still reach one and end it (57P01), which the pool reports here. Any other error
    // of an idle connection stays a failure, as it was without a listener.
    this.db.on('error', (err: Error & { code?: string }) => {
      if (this.closing && err.code === '57P01') return;
      throw err;
    });
    for (let i = 0; i < count; i++) {
      const port = await freePort();
      this.replicas.push({ name: `r${i + 1}`, port, url: `http://127.0.0.1:${port}`, output: [] });
    }
    // The first applies the migrations; the others find them done.
    await this.startReplica(this.replicas[0]);
    await Promise.all(this.replicas.slice(1).map((r) => this.startReplica(r)));
    await this.startBalancer();
  }

  async startReplica(r: Replica): Promise<void> {
    const child = spawn(process.execPath, [MAIN], {
      env: { PATH: process.env.PATH, ...this.env, PORT: String(r.port) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    // Kept across restarts, so a failed run shows what every incarnation logged.
    r.output.push(`--- ${r.name} started\n`);
    child.stdout!.on('data', (b: Buffer) => r.output.push(String(b)));
    child.stderr!.on('data', (b: Buffer) => r.output.push(String(b)));
    r.process = child;
    r.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    // A cold start takes seconds on a busy machine (module loading, the pool, Redis).
    await eventually(`${r.name} ready`, async () => (await fetch(`${r.url}/health/ready`)).status === 200, {
      timeoutMs: 90_000,
      intervalMs: 50,
    }).catch((err) => {
      throw new Error(`${(err as Error).message}\n${r.output.join('')}`);
    });
  }

  private async startBalancer(): Promise<void> {
    // The shipped docker/haproxy.cfg with this run's ports; up once HAProxy's checks see every replica.
    this.balancer = await startBalancer(this.replicas);
    this.url = this.balancer.url;
  }

  /** SIGTERM (drain) or SIGKILL (a crash); resolves with the exit code once the process is gone. */
  async signal(r: Replica, signal: 'SIGTERM' | 'SIGKILL'): Promise<number | null> {
    r.process!.kill(signal);
    return r.exited!;
  }

  async user(): Promise<{ id: string; auth: { Authorization: string } }> {
    const id = newUserId();
    await this.db.query('insert into public.users (id) values ($1)', [id]);
    return { id, auth: { Authorization: `Bearer ${await signToken(id, { expiresIn: '30m' })}` } };
  }

  async close(): Promise<void> {
    this.closing = true;
    // Kept for a failed run: what each replica logged (warnings and errors).
    for (const r of this.replicas)
      writeFileSync(join(tmpdir(), `pulse-topology-${process.pid}-${r.name}.log`), r.output.join(''));
    for (const r of this.replicas) {
      if (r.process && r.process.exitCode === null && r.process.signalCode === null) {
        r.process.kill('SIGKILL');
        await r.exited;
      }
    }
    await this.balancer?.stop();
    await this.db?.end();
    if (!this.dbName) return;
    const admin = new pg.Client({ connectionString: ADMIN_URL });
    await admin.connect();
    await admin.query(`drop database if exists ${this.dbName} with (force)`);
    await admin.end();
  }
}
