import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { AppConfig } from './config/app-config.js';

async function bootstrap(): Promise<void> {
  let config: AppConfig;
  try {
    config = AppConfig.fromEnvironment();
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  const app = await createApp(config);
  await app.listen(config.env.PORT, config.env.HOST);
  const logger = new Logger('Pulse');
  logger.log(`listening on http://${config.env.HOST}:${config.env.PORT} (docs at /docs)`);
  if (config.demoMode) {
    logger.warn(
      `local demo mode: dev tokens at /demo/token and the demo page at http://localhost:${config.env.PORT}/demo/ ` +
        '(never enabled in production)',
    );
  }
}

bootstrap().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
