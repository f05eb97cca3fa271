// The image built from docker/Dockerfile, run as the README's "Docker" section says, against a
// fresh database on the machine's PostgreSQL and the fake OpenAI upstream on the host.
// scripts/test-docker.sh builds the image and names it in PULSE_TEST_IMAGE. Our machines give
// containers no bridge network, so `--network host` stands in for `-p 8000:8000`.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, startOpenAIUpstream } from '@pulse/testkit';
import { assertKept, converse, freePort, newUserId, run, runId, secret, signHs256, waitReady } from './support.mjs';

const IMAGE = process.env.PULSE_TEST_IMAGE;
const STOP_TIMEOUT_S = 40;

const docker = (...args) => run('docker', args);
const psql = (sql) => run('psql', ['-h', '127.0.0.1', '-p', '5432', '-U', 'postgres', '-d', 'postgres', '-qAtc', sql]);
const inspect = (name, format) => docker('inspect', '-f', format, name);

describe('the Pulse image (docker run)', () => {
  const id = runId();
  const database = `pulse_docker_${id}`;
  const names = [];
  let dir;
  let upstream;
  let envFile;
  let base;
  let token;
  let kept;

  /** `docker run -d` as in the README, with the settings in an --env-file. */
  async function start() {
    const name = `pulse-test-${id}-${names.length + 1}`;
    names.push(name);
    await docker(
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'host',
      '--stop-timeout',
      String(STOP_TIMEOUT_S),
      '--env-file',
      envFile,
      IMAGE,
    );
    const running = async () => (await inspect(name, '{{.State.Running}}')) === 'true';
    try {
      assert.deepEqual(await waitReady(base, { alive: running }), { status: 'ok', database: 'postgres' });
    } catch (err) {
      throw new Error(`${err.message}\ncontainer log:\n${await docker('logs', name).catch((e) => e.message)}`);
    }
    return name;
  }

  before(async () => {
    assert.ok(IMAGE, 'PULSE_TEST_IMAGE names the image to test (scripts/test-docker.sh builds it)');
    dir = mkdtempSync(join(tmpdir(), 'pulse-docker-'));
    await psql(`create database ${database}`);
    upstream = await startOpenAIUpstream({ apiKey: 'sk-docker-test' });
    const port = await freePort();
    const jwtSecret = secret();
    base = `http://127.0.0.1:${port}`;
    token = signHs256(newUserId(), jwtSecret);
    envFile = join(dir, 'pulse.env');
    writeFileSync(
      envFile,
      [
        `PORT=${port}`,
        'HOST=127.0.0.1',
        `DATABASE_URL=postgres://postgres@127.0.0.1:5432/${database}`,
        `JWT_SECRET_KEY=${jwtSecret}`,
        'AUTO_PROVISION_USERS=true',
        'CORS_ORIGINS=https://shop.example',
        'AI_PROVIDER=openai',
        `OPENAI_BASE_URL=${upstream.url}`,
        'OPENAI_API_KEY=sk-docker-test',
        '',
      ].join('\n'),
    );
  });

  after(async () => {
    for (const name of names) await docker('rm', '-f', '-v', name).catch(() => {});
    await upstream?.close();
    await psql(`drop database if exists ${database} with (force)`).catch(() => {});
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('starts as the unprivileged node user and is ready on PostgreSQL', async () => {
    const name = await start();
    assert.equal(await inspect(name, '{{.Config.User}}'), 'node');
    const status = await docker('exec', name, 'cat', '/proc/1/status');
    assert.match(status, /^Uid:\s+1000\s+1000\s+1000\s+1000$/m, 'PID 1 runs as uid 1000');
    // Host networking only: no container gets an address of its own.
    assert.deepEqual(Object.keys(JSON.parse(await inspect(name, '{{json .NetworkSettings.Networks}}'))), ['host']);
  });

  it('serves the widget and answers a JSON and a streamed send', async () => {
    kept = await converse(base, token, 'docker run');
    await assertKept(base, token, kept);
    assert.equal(upstream.requests.length, 2, 'one model call per send');
    assert.ok(
      upstream.requests.every((r) => r.headers.authorization === 'Bearer sk-docker-test'),
      'the model is called with OPENAI_API_KEY',
    );
  });

  it("reports healthy through the image's HEALTHCHECK", async () => {
    await eventually(
      'health status healthy',
      async () => (await inspect(names[0], '{{.State.Health.Status}}')) === 'healthy',
      {
        timeoutMs: 90_000,
        intervalMs: 1000,
      },
    );
  });

  it('stops cleanly on SIGTERM (docker stop) within the stop timeout', async () => {
    const started = Date.now();
    await docker('stop', names[0]);
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < STOP_TIMEOUT_S, `stopped in ${seconds} s`);
    assert.equal(await inspect(names[0], '{{.State.ExitCode}}'), '0');
    assert.equal(await inspect(names[0], '{{.State.OOMKilled}}'), 'false');
  });

  it('a new container on the same database still has the conversation', async () => {
    await docker('rm', '-v', names[0]);
    await start();
    await assertKept(base, token, kept);
    await docker('stop', names[1]);
    assert.equal(await inspect(names[1], '{{.State.ExitCode}}'), '0');
  });
});
