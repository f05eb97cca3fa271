// Writes the OpenAPI document of the built backend (backend/dist) to the file named, or stdout.
// Nest's preview mode builds the module graph without running providers, so no database is
// opened and no port is taken.
import { writeFile } from 'node:fs/promises';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';

const dist = new URL('../backend/dist/', import.meta.url);
const { AppModule } = await import(new URL('app.module.js', dist).href);
const { AppConfig } = await import(new URL('config/app-config.js', dist).href);
const { createOpenApiDocument } = await import(new URL('openapi.js', dist).href);

// The production shape: no demo routes. The values only satisfy validation: preview mode opens
// no database and calls no model.
const config = AppConfig.fromEnvironment({
  NODE_ENV: 'production',
  DEMO_MODE: 'false',
  JWT_SECRET_KEY: 'x'.repeat(32),
  DATABASE_URL: 'postgres://openapi@127.0.0.1:1/never_opened',
  CORS_ORIGINS: 'https://integrator.example',
  AI_PROVIDER: 'demo',
});
const app = await NestFactory.create(AppModule.forRoot(config), new ExpressAdapter(), { preview: true, logger: false });
const json = `${JSON.stringify(createOpenApiDocument(app), null, 2)}\n`;
await app.close();
if (process.argv[2]) await writeFile(process.argv[2], json);
else process.stdout.write(json);
