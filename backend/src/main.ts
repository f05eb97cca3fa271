import { AppConfig } from './config/app-config.js';
import { ConfigError } from './config/environment.js';
import { DataDirInUseError, DataDirLock } from './database/data-dir-lock.js';
import { probeDatabase } from './database/database-probe.js';

/** `.env` in the working directory, if there is one; variables already in the environment win. */
function loadDotEnv(): void {
  try {
    process.loadEnvFile('.env');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/** Start-up refused: one line per problem on stderr, no stack trace, exit 1. */
function refuse(problems: string[]): never {
  console.error(
    `Pulse cannot start: ${problems.length === 1 ? 'one setting needs' : `${problems.length} settings need`} attention`,
  );
  for (const line of problems) console.error(`  - ${line}`);
  process.exit(1);
}

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    loadDotEnv();
    config = AppConfig.fromEnvironment();
  } catch (err) {
    if (err instanceof ConfigError) refuse(err.problems);
    refuse([`.env: ${(err as Error).message}`]);
  }
  if (config.database.url) {
    const unreachable = await probeDatabase(config.database.url);
    if (unreachable) refuse([unreachable]);
  } else {
    // A folder held by another server is a one-line refusal here, before the app loads.
    const lock = new DataDirLock(config.database.pgliteDataDir);
    try {
      lock.acquire();
    } catch (err) {
      if (err instanceof DataDirInUseError) refuse([`PGLITE_DATA_DIR: ${err.message}`]);
      throw err;
    }
    lock.release();
  }
  // Loaded only now: the application's modules take seconds to import, and a refused
  // configuration should be reported at once.
  const [{ createApp }, { Logger }] = await Promise.all([import('./app.factory.js'), import('@nestjs/common')]);
  const app = await createApp(config);
  await app.listen(config.http.port, config.http.host);
  const logger = new Logger('Pulse');
  const { port } = app.getHttpServer().address() as { port: number };
  logger.log(`listening on http://${config.http.host}:${port} (docs at /docs)`);
  if (config.demoMode) {
    logger.warn(
      `local demo mode: dev tokens at /demo/token and the demo page at http://localhost:${config.http.port}/demo/ ` +
        '(never enabled in production)',
    );
  }
}

bootstrap().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
