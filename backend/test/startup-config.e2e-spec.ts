import { eventually, Hopeless, newUserId, signToken, TEST_SECRET } from '@pulse/testkit';
import { jest } from '@jest/globals';
import { execFile, spawn } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import pg from 'pg';
import { createTestDatabase, TEST_DB, type TestDatabase } from './support/test-database.js';

// Each case starts the built server; a start on a new embedded folder runs initdb.
jest.setTimeout(60_000);

const MAIN = fileURLToPath(new URL('../dist/main.js', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Lines of stderr, so "one line per problem" is asserted literally. */
const linesOf = (text: string) => text.split('\n').filter((l) => l.trim() !== '');

async function closedPort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((ok) => srv.listen(0, '127.0.0.1', ok));
  const { port } = srv.address() as { port: number };
  await new Promise<void>((ok) => srv.close(() => ok()));
  return port;
}

/** A clean environment: only what the case gives, as on a fresh server (nothing inherited from jest). */
function baseEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env };
}

/** `node dist/main.js` expected to refuse: resolves with its exit code and output. */
function runToExit(env: Record<string, string>, cwd = tmpdir()): Promise<Run> {
  const proc = spawn(process.execPath, [MAIN], { cwd, env: baseEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  proc.stdout.on('data', (d) => (stdout += d));
  proc.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => proc.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    proc.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

interface Started {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

/** `node dist/main.js` expected to start: resolves once it is listening (port chosen by the OS). */
async function start(env: Record<string, string>, cwd = tmpdir()): Promise<Started> {
  const proc = spawn(process.execPath, [MAIN], {
    cwd,
    env: baseEnv({ HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout.on('data', (d) => (out += d));
  proc.stderr.on('data', (d) => (out += d));
  let exited = false;
  const gone = new Promise<void>((ok) =>
    proc.on('exit', () => {
      exited = true;
      ok();
    }),
  );
  const port = await eventually(
    'the server listening',
    () => {
      if (exited) throw new Hopeless(`server exited:\n${out}`);
      return /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
    },
    { timeoutMs: 45_000 },
  );
  return {
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    stop: async () => {
      if (!exited) proc.kill('SIGTERM');
      await gone;
    },
  };
}

/** The refusal as main.ts prints it: a header, then exactly `lines`, and no stack trace. */
function expectRefused(run: Run, lines: RegExp[]): void {
  expect(run.code).toBe(1);
  const printed = linesOf(run.stderr);
  expect(printed[0]).toMatch(/^Pulse cannot start: (one setting needs|\d+ settings need) attention$/);
  expect(printed.slice(1)).toHaveLength(lines.length);
  printed.slice(1).forEach((line, i) => expect(line).toMatch(lines[i]));
  expect(run.stderr).not.toMatch(/^\s+at /m);
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first`);
});

describe('start-up: production refuses unsafe defaults', () => {
  it('lists every problem at once, one line each, and exits 1', async () => {
    expectRefused(await runToExit({ NODE_ENV: 'production' }), [
      /^ {2}- JWT_SECRET_KEY or JWT_JWKS_URL: one is required/,
      /^ {2}- DATABASE_URL: required in production .*set PGLITE_DATA_DIR/,
      /^ {2}- CORS_ORIGINS: required in production: the sites that embed the widget/,
      /^ {2}- AI_PROVIDER: no model is configured: set OPENAI_API_KEY .*AI_PROVIDER=demo runs the offline demo on purpose$/,
    ]);
  });

  it('names only what is still missing', async () => {
    expectRefused(
      await runToExit({ NODE_ENV: 'production', JWT_SECRET_KEY: TEST_SECRET, CORS_ORIGINS: 'https://shop.example' }),
      [/^ {2}- DATABASE_URL: required in production/, /^ {2}- AI_PROVIDER: no model is configured/],
    );
  });

  it('starts once each is chosen on purpose (database, origins, AI_PROVIDER=demo)', async () => {
    const database: TestDatabase = await createTestDatabase();
    const server = await start({
      ...database.env,
      NODE_ENV: 'production',
      JWT_SECRET_KEY: TEST_SECRET,
      CORS_ORIGINS: 'https://shop.example',
      AI_PROVIDER: 'demo',
    });
    try {
      expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
      // Demo mode (dev tokens) never in production, even with the demo model.
      expect((await fetch(`${server.url}/demo/token`)).status).toBe(404);
    } finally {
      await server.stop();
      await database.drop();
    }
  });
});

describe('start-up: one clear line per bad setting', () => {
  it.each([
    ['PORT', 'abc', /^ {2}- PORT: must be a whole number from 0 to 65535 \(got "abc"\)$/],
    ['PORT', '70000', /^ {2}- PORT: must be a whole number from 0 to 65535 \(got "70000"\)$/],
    ['OPENAI_BASE_URL', '127.0.0.1:8352/v1', /^ {2}- OPENAI_BASE_URL: must start with http:\/\/ or https:\/\//],
    ['SUPABASE_URL', 'abc.supabase.co', /^ {2}- SUPABASE_URL: must start with http:\/\/ or https:\/\//],
    ['EDGE_FUNCTION_URL', 'localhost:54321/functions/v1/chat', /^ {2}- EDGE_FUNCTION_URL: must start with http/],
    ['JWT_JWKS_URL', 'keys.example/jwks.json', /^ {2}- JWT_JWKS_URL: must start with http:\/\/ or https:\/\//],
    ['DATABASE_URL', 'not-a-url', /^ {2}- DATABASE_URL: is not a URL; expected postgres:\/\/USER:PASSWORD@HOST/],
    ['DATABASE_URL', 'mysql://pulse:hunter2@db/x', /^ {2}- DATABASE_URL: must start with postgres:\/\/ or postgresql/],
    ['CORS_ORIGINS', 'shop.example', /^ {2}- CORS_ORIGINS: "shop.example" is not an origin; write it with its scheme/],
    ['CORS_ORIGINS', 'https://shop.example/app', /^ {2}- CORS_ORIGINS: "https:\/\/shop.example\/app" has a path/],
  ])('%s=%s', async (name, value, line) => {
    const run = await runToExit({ JWT_SECRET_KEY: TEST_SECRET, [name]: value });
    expectRefused(run, [line]);
    expect(run.stderr).not.toContain('hunter2');
  });

  it('says where an unreachable database is, without its password', async () => {
    const port = await closedPort();
    const run = await runToExit({
      JWT_SECRET_KEY: TEST_SECRET,
      DATABASE_URL: `postgres://pulse:hunter2@127.0.0.1:${port}/pulse`,
    });
    expectRefused(run, [
      new RegExp(
        `^ {2}- DATABASE_URL: cannot connect to the database at 127\\.0\\.0\\.1:${port}/pulse: connection refused`,
      ),
    ]);
    expect(run.stderr + run.stdout).not.toContain('hunter2');
  });

  it('says when a host name does not resolve', async () => {
    const run = await runToExit({
      JWT_SECRET_KEY: TEST_SECRET,
      DATABASE_URL: 'postgres://pulse:hunter2@db.pulse-test.invalid:5432/pulse',
    });
    expectRefused(run, [/^ {2}- DATABASE_URL: cannot connect to .*db\.pulse-test\.invalid:5432\/pulse: the host name/]);
  });

  if (TEST_DB !== 'pglite') {
    it('honours sslmode=require: a server without SSL is refused, clearly', async () => {
      const database = await createTestDatabase();
      try {
        const url = new URL(database.env.DATABASE_URL);
        url.searchParams.set('sslmode', 'require');
        const run = await runToExit({ JWT_SECRET_KEY: TEST_SECRET, DATABASE_URL: url.toString() });
        expectRefused(run, [/^ {2}- DATABASE_URL: cannot connect .*: the server does not accept SSL connections/]);
        // node-postgres' deprecation notice about sslmode aliases is not printed: Pulse says what it does.
        expect(run.stderr).not.toContain('SECURITY WARNING');
      } finally {
        await database.drop();
      }
    });
  }
});

describe('start-up: .env and CORS origins', () => {
  let dir: string;
  let database: TestDatabase;
  let server: Started;

  beforeAll(async () => {
    database = await createTestDatabase();
    dir = mkdtempSync(join(tmpdir(), 'pulse-dotenv-'));
    // As a user writes it: copied from env.example, a trailing slash on the origin, comments.
    writeFileSync(
      join(dir, '.env'),
      [
        '# Pulse settings',
        'PORT=abc                       # overridden by the real environment',
        `JWT_SECRET_KEY=${TEST_SECRET}`,
        'AUTO_PROVISION_USERS=true',
        'CORS_ORIGINS=https://Shop.example/, http://localhost:3000',
        'DATABASE_URL=',
        '',
      ].join('\n'),
    );
    // The database comes from the real environment (a ready test database), over .env's empty DATABASE_URL.
    server = await start({ PORT: '0', ...database.env }, dir);
  });
  afterAll(async () => {
    await server?.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads .env from the working directory; real environment variables win', async () => {
    // PORT=abc from .env lost to the environment's 0 (else it would not have started);
    // the secret and AUTO_PROVISION_USERS came from .env: a token signed with it works.
    const token = await signToken(newUserId());
    const res = await fetch(`${server.url}/api/chat/sessions`, { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
  });

  it('says how an origin written as a URL was taken, and allows it', async () => {
    expect(server.output()).toContain(
      'CORS_ORIGINS: \\"https://Shop.example/\\" taken as https://shop.example (browsers send the origin without a slash)',
    );
    const res = await fetch(`${server.url}/api/chat/sessions`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://shop.example', 'Access-Control-Request-Method': 'GET' },
    });
    expect(res.headers.get('access-control-allow-origin')).toBe('https://shop.example');
  });

  it('logs a request from an origin that is not allowed, once per origin per minute', async () => {
    const from = (origin: string) => fetch(`${server.url}/health`, { headers: { Origin: origin } });
    for (let i = 0; i < 3; i++) {
      const res = await from('https://evil.example');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    await from('https://other.example');
    const refusals = () =>
      server
        .output()
        .split('\n')
        .filter((l) => l.includes('refused a browser request from origin'));
    await eventually('both refusals logged', () => refusals().length >= 2);
    expect(refusals().filter((l) => l.includes('https://evil.example'))).toHaveLength(1);
    expect(refusals().filter((l) => l.includes('https://other.example'))).toHaveLength(1);
    expect(refusals()[0]).toContain('not in CORS_ORIGINS (https://shop.example, http://localhost:3000)');
  });
});

/**
 * A private Postgres cluster with SSL on and a self-signed certificate, as Supabase serves
 * (its certificates chain to Supabase's own CA, which Node does not trust). Run as `postgres`
 * when we are root, since the server refuses to run as root.
 */
class SslPostgres {
  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  url(sslmode: string): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres?sslmode=${sslmode}`;
  }

  static async start(): Promise<SslPostgres> {
    const dir = mkdtempSync(join(tmpdir(), 'pulse-pg-ssl-'));
    const cluster = new SslPostgres(dir, await closedPort());
    const data = join(dir, 'data');
    await execAs(dir, 'openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=pulse-test-self-signed',
      '-keyout',
      join(dir, 'server.key'),
      '-out',
      join(dir, 'server.crt'),
    ]);
    chmodSync(join(dir, 'server.key'), 0o600);
    if (process.getuid?.() === 0) {
      const { uid, gid } = statSync('/var/lib/postgresql');
      for (const f of ['', 'server.key', 'server.crt']) chownSync(join(dir, f), uid, gid);
    }
    await execAs(dir, pgBin('initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync'], true);
    const options = [
      `-p ${cluster.port}`,
      '-c listen_addresses=127.0.0.1',
      `-k ${dir}`,
      '-c fsync=off',
      '-c ssl=on',
      `-c ssl_cert_file=${join(dir, 'server.crt')}`,
      `-c ssl_key_file=${join(dir, 'server.key')}`,
    ].join(' ');
    await execAs(
      dir,
      pgBin('pg_ctl'),
      ['-D', data, '-w', '-t', '60', '-l', join(dir, 'server.log'), '-o', options, 'start'],
      true,
    );
    return cluster;
  }

  async stop(): Promise<void> {
    await execAs(this.dir, pgBin('pg_ctl'), ['-D', join(this.dir, 'data'), '-m', 'immediate', 'stop'], true).catch(
      () => undefined,
    );
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function pgBin(binary: string): string {
  const root = '/usr/lib/postgresql';
  const [newest] = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  return join(root, newest, 'bin', binary);
}

async function execAs(cwd: string, command: string, args: string[], asPostgres = false): Promise<void> {
  const [file, argv] =
    asPostgres && process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
  await promisify(execFile)(file, argv, { cwd });
}

if (TEST_DB === 'postgres') {
  describe('start-up: sslmode against a server with a self-signed certificate', () => {
    let cluster: SslPostgres;

    beforeAll(async () => {
      cluster = await SslPostgres.start();
    });
    afterAll(() => cluster?.stop());

    it('sslmode=require connects encrypted without checking the certificate, as libpq does', async () => {
      const server = await start({
        JWT_SECRET_KEY: TEST_SECRET,
        CORS_ORIGINS: 'https://shop.example',
        DATABASE_URL: cluster.url('require'),
      });
      try {
        expect((await fetch(`${server.url}/health/ready`)).status).toBe(200);
        const admin = new pg.Client({ connectionString: cluster.url('disable') });
        await admin.connect();
        try {
          const { rows } = await admin.query<{ ssl: boolean }>(
            `select s.ssl from pg_stat_ssl s join pg_stat_activity a using (pid) where a.application_name = 'pulse'`,
          );
          expect(rows.length).toBeGreaterThan(0);
          expect(rows.every((r) => r.ssl)).toBe(true);
        } finally {
          await admin.end();
        }
        expect(server.output()).not.toContain('SECURITY WARNING');
      } finally {
        await server.stop();
      }
    });

    it('sslmode=verify-full refuses the untrusted certificate with one line saying why', async () => {
      const run = await runToExit({ JWT_SECRET_KEY: TEST_SECRET, DATABASE_URL: cluster.url('verify-full') });
      expectRefused(run, [
        new RegExp(
          `^ {2}- DATABASE_URL: cannot connect to the database at 127\\.0\\.0\\.1:${cluster.port}/postgres: the SSL handshake failed: self[- ]signed certificate`,
        ),
      ]);
    });
  });
}
