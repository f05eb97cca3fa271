// The built server started from a production install (`npm ci --omit=dev`), as the image runs
// it: a package imported at run time but listed as a devDependency is missing here, and the
// server fails to start (ERR_MODULE_NOT_FOUND) before any image is built. This is the guard for
// that mistake (issue 7: `jose` was one); a static "unused dependency" check did not catch it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startOpenAIUpstream } from '@pulse/testkit';
import { assertKept, converse, freePort, newUserId, ROOT, run, secret, signHs256, waitReady } from './support.mjs';

// What docker/Dockerfile's final stage holds, in the same layout.
const BUILT = [
  'package.json',
  'package-lock.json',
  'backend/package.json',
  'backend/dist',
  'widget/package.json',
  'widget/dist',
  'supabase/migrations',
];

describe('production install (npm ci --omit=dev) of the built tree', () => {
  let dir;
  let upstream;
  let server;
  let output = '';
  let exited;

  before(async () => {
    for (const path of ['backend/dist/main.js', 'widget/dist/pulse-chat.js']) {
      assert.ok(existsSync(join(ROOT, path)), `${path} is missing: run \`npm run build\` first`);
    }
    dir = mkdtempSync(join(tmpdir(), 'pulse-prod-install-'));
    // Node also looks for packages in every parent folder: none may offer what the install lacks.
    for (let up = dirname(dir); ; up = dirname(up)) {
      assert.equal(existsSync(join(up, 'node_modules')), false, `${up}/node_modules would hide a missing package`);
      if (up === dirname(up)) break;
    }
    for (const path of BUILT) cpSync(join(ROOT, path), join(dir, path), { recursive: true });
    // The same set of packages the image keeps after `npm prune --omit=dev`.
    await run('npm', ['ci', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir });
    upstream = await startOpenAIUpstream({ apiKey: 'sk-prod-install' });
  });

  after(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGKILL');
      await exited;
    }
    await upstream?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('has no development packages installed', () => {
    for (const dev of ['typescript', 'jest', '@nestjs/testing', 'vite', '@pulse/testkit']) {
      assert.equal(existsSync(join(dir, 'node_modules', dev)), false, `${dev} is a devDependency`);
    }
  });

  it('starts in production, answers readiness and an authenticated send, and stops on SIGTERM', async () => {
    const port = await freePort();
    const jwtSecret = secret();
    // Only what the server needs: nothing from the workspace (no NODE_PATH) can fill a gap.
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'production',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      PGLITE_DATA_DIR: join(dir, 'data'),
      CORS_ORIGINS: 'https://shop.example',
      JWT_SECRET_KEY: jwtSecret,
      AUTO_PROVISION_USERS: 'true',
      AI_PROVIDER: 'openai',
      OPENAI_BASE_URL: upstream.url,
      OPENAI_API_KEY: 'sk-prod-install',
    };
    server = spawn(process.execPath, ['backend/dist/main.js'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    server.stdout.on('data', (d) => (output += d));
    server.stderr.on('data', (d) => (output += d));
    exited = new Promise((ok) => server.on('exit', (code, signal) => ok({ code, signal })));

    const base = `http://127.0.0.1:${port}`;
    // A first start on a new embedded folder runs PGlite's initdb: slow on a busy machine.
    try {
      assert.deepEqual(await waitReady(base, { timeoutMs: 180_000, alive: () => server.exitCode === null }), {
        status: 'ok',
        database: 'pglite',
      });
    } catch (err) {
      throw new Error(`${err.message}\nserver output:\n${output}`);
    }
    const token = signHs256(newUserId(), jwtSecret);
    const kept = await converse(base, token, 'the production install');
    await assertKept(base, token, kept);

    server.kill('SIGTERM');
    assert.deepEqual(await exited, { code: 0, signal: null }, output);
  });
});
