// docker/compose.yaml brought up as the README's "Docker Compose" section says: every setting
// from a copy of env.example (the env_file), Postgres on a named volume. Our machines have no
// bridge network, so docker/test/compose.host-network.yaml is laid over it: every service on the
// host's network (free ports from the settings file) and the local Postgres stand-in image.
// Compose v1 refuses published ports on the host network and an override cannot remove a list,
// so the stack runs from a copy of compose.yaml without the pulse service's `ports:` block (the
// only change, checked); the unmodified file is checked to publish PORT from the same settings.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { eventually, startOpenAIUpstream } from '@pulse/testkit';
import {
  assertKept,
  composeCommands,
  converse,
  freePort,
  newUserId,
  ROOT,
  run,
  runId,
  secret,
  settingsFile,
  signHs256,
  waitReady,
  withoutPublishedPorts,
} from './support.mjs';

const ISSUER = 'https://auth.compose-test.example';
const SYSTEM_PROMPT = 'You are the compose test assistant, set in the env_file.';

const COMPOSE_FILE = join(ROOT, 'docker', 'compose.yaml');

describe('the compose stack (docker/compose.yaml)', () => {
  const project = `pulse-test-${runId()}`;
  let dir;
  let upstream;
  let compose;
  let composeAsIs;
  let port;
  let base;
  let jwtSecret;
  let token;
  let kept;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pulse-compose-'));
    upstream = await startOpenAIUpstream({ apiKey: 'sk-compose-test' });
    let pgPort;
    [port, pgPort] = [await freePort(), await freePort()];
    const pgPassword = secret();
    jwtSecret = secret();
    base = `http://127.0.0.1:${port}`;
    token = signHs256(newUserId(), jwtSecret, { iss: ISSUER });
    const envFile = join(dir, 'pulse.env');
    writeFileSync(
      envFile,
      settingsFile(
        {
          NODE_ENV: 'production',
          PORT: port,
          HOST: '127.0.0.1',
          CORS_ORIGINS: 'https://shop.example',
          DATABASE_URL: `postgres://postgres:${pgPassword}@127.0.0.1:${pgPort}/pulse`,
          JWT_SECRET_KEY: jwtSecret,
          JWT_ISSUER: ISSUER,
          AUTO_PROVISION_USERS: 'true',
          AI_PROVIDER: 'openai',
          OPENAI_BASE_URL: upstream.url,
          OPENAI_API_KEY: 'sk-compose-test',
          DEFAULT_SYSTEM_PROMPT: SYSTEM_PROMPT,
        },
        { POSTGRES_PASSWORD: pgPassword, POSTGRES_PORT: pgPort },
      ),
    );
    const hostCompose = join(dir, 'compose.yaml');
    writeFileSync(hostCompose, withoutPublishedPorts(COMPOSE_FILE, 'pulse'));
    ({ compose, composeAsIs } = composeCommands({
      project,
      envFile,
      file: COMPOSE_FILE,
      hostFile: hostCompose,
      hostOverride: join(ROOT, 'docker/test/compose.host-network.yaml'),
    }));
  });

  after(async () => {
    await compose?.('down', '-v', '--remove-orphans').catch(() => {});
    // Only this run's tag: the layers stay as the next build's cache.
    await run('docker', ['rmi', '--no-prune', `${project}_pulse`]).catch(() => {});
    await upstream?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const container = async (service) => compose('ps', '-q', service);
  const inspect = async (service, format) => run('docker', ['inspect', '-f', format, await container(service)]);

  it('as written, publishes PORT from the settings file and reads DATABASE_URL from it', async () => {
    const config = await composeAsIs('config');
    assert.match(config, new RegExp(`ports:\\n\\s+- published: ${port}\\n\\s+target: ${port}\\n`));
    assert.match(config, new RegExp(`DATABASE_URL: postgres://postgres:[^@]+@127\\.0\\.0\\.1:`));
    assert.match(config, /stop_grace_period: 40s/);
    // A comment of env.example read as a value (an empty setting followed by `# text`).
    assert.doesNotMatch(config, /^\s+[A-Z][A-Z0-9_]*: '?#/m);
  });

  it('builds and starts Pulse after a healthy Postgres on a named volume', async () => {
    await compose('up', '-d', '--build');
    try {
      assert.deepEqual(await waitReady(base, { timeoutMs: 120_000 }), { status: 'ok', database: 'postgres' });
    } catch (err) {
      throw new Error(`${err.message}\n${await compose('logs', '--no-color').catch((e) => e.message)}`);
    }
    const mounts = JSON.parse(await inspect('db', '{{json .Mounts}}'));
    assert.deepEqual(
      mounts.map((m) => [m.Type, m.Name, m.Destination]),
      [['volume', `${project}_pgdata`, '/var/lib/postgresql/data']],
    );
    assert.equal(await inspect('pulse', '{{.Config.User}}'), 'node');
    for (const service of ['pulse', 'db']) {
      assert.deepEqual(Object.keys(JSON.parse(await inspect(service, '{{json .NetworkSettings.Networks}}'))), ['host']);
    }
    assert.equal(await inspect('pulse', '{{.HostConfig.RestartPolicy.Name}}'), 'unless-stopped');
  });

  it('takes its settings from the env_file', async () => {
    // JWT_ISSUER: a token signed with the right key but without that issuer is refused.
    const noIssuer = signHs256(newUserId(), jwtSecret);
    const refused = await fetch(`${base}/api/chat/sessions`, { headers: { authorization: `Bearer ${noIssuer}` } });
    assert.equal(refused.status, 401);
    // CORS_ORIGINS: the site named there may call from a browser.
    const preflight = await fetch(`${base}/api/chat/send`, {
      method: 'OPTIONS',
      headers: { origin: 'https://shop.example', 'access-control-request-method': 'POST' },
    });
    assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://shop.example');

    kept = await converse(base, token, 'docker compose');
    // DEFAULT_SYSTEM_PROMPT, with its spaces, reached the model.
    assert.equal(upstream.requests.length, 2);
    for (const r of upstream.requests) assert.deepEqual(r.body.messages[0], { role: 'system', content: SYSTEM_PROMPT });
  });

  it("reports healthy through the image's HEALTHCHECK", async () => {
    await eventually(
      'health status healthy',
      async () => (await inspect('pulse', '{{.State.Health.Status}}')) === 'healthy',
      {
        timeoutMs: 90_000,
        intervalMs: 1000,
      },
    );
  });

  it('restarting the pulse container stops it cleanly and loses nothing', async () => {
    const id = await container('pulse');
    assert.equal(await inspect('pulse', '{{.Config.StopTimeout}}'), '40', 'stop_grace_period reaches the container');
    const started = Date.now();
    await compose('stop', 'pulse');
    assert.ok(Date.now() - started < 40_000);
    assert.equal(await run('docker', ['inspect', '-f', '{{.State.ExitCode}}', id]), '0');
    await compose('start', 'pulse');
    await waitReady(base);
    assert.equal(await container('pulse'), id, 'the same container');
    await assertKept(base, token, kept);
  });

  it('docker-compose down -v removes the containers and the volume', async () => {
    await compose('down', '-v');
    assert.equal(await compose('ps', '-q'), '');
    const volumes = await run('docker', ['volume', 'ls', '-q', '--filter', `name=${project}`]);
    assert.equal(volumes, '');
  });
});
