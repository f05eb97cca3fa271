import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { translateErrors } from '../common/http-error.filter.js';
import { AppConfig } from '../config/app-config.js';
import { connectionStringFor, describeDatabaseUrl } from '../config/database-url.js';
import { asDatabaseUnavailable } from './database-errors.js';
import { Database } from './database.js';
import { runMigrations } from './migrations.js';
import { PgliteDatabase } from './pglite.database.js';
import { NO_TIMEOUTS, PostgresDatabase } from './postgres.database.js';

export async function openDatabase(config: AppConfig): Promise<Database> {
  const { database } = config;
  return database.url
    ? new PostgresDatabase(connectionStringFor(database.url), database.poolSize, {
        preparedStatements: database.preparedStatements,
        timeouts: database.timeouts,
      })
    : PgliteDatabase.open(database.pgliteDataDir);
}

/**
 * Migrations on Postgres get a connection of their own without the statement timeouts: a
 * migration (an index on a big table), or waiting for another instance's, may rightly take
 * longer than any request should.
 */
function migrationsDatabase(config: AppConfig, db: Database): Database {
  const { database } = config;
  if (!(db instanceof PostgresDatabase) || !database.url) return db;
  return new PostgresDatabase(connectionStringFor(database.url), 1, {
    preparedStatements: database.preparedStatements,
    timeouts: { ...NO_TIMEOUTS, connectMs: database.timeouts.connectMs },
  });
}

/** Where Pulse is connected and how, without the password: `Postgres at db.example:6543/postgres (...)`. */
function postgresSummary(config: AppConfig): string {
  const { database } = config;
  const statements = database.preparedStatements
    ? 'named prepared statements'
    : `no named prepared statements (${database.poolerHint ?? 'DATABASE_PREPARED_STATEMENTS=false'})`;
  return `Postgres at ${describeDatabaseUrl(database.url ?? '')}, ${statements}`;
}

@Global()
@Module({
  providers: [
    {
      provide: Database,
      inject: [AppConfig],
      useFactory: async (config: AppConfig) => {
        const logger = new Logger('Database');
        const db = await openDatabase(config);
        try {
          const migrator = migrationsDatabase(config, db);
          let applied: string[];
          try {
            applied = await runMigrations(migrator);
          } finally {
            if (migrator !== db) await migrator.close();
          }
          logger.log(
            `${db.kind === 'pglite' ? `embedded PGlite at ${config.database.pgliteDataDir}` : postgresSummary(config)}; ` +
              `${applied.length ? `applied ${applied.join(', ')}` : 'migrations up to date'}`,
          );
        } catch (err) {
          await db.close();
          throw err;
        }
        return db;
      },
    },
  ],
  exports: [Database],
})
export class DatabaseModule implements OnApplicationShutdown {
  constructor(@Inject(Database) private readonly db: Database) {
    // Any error that reaches the filter (or a stream's error part) with a lost connection
    // behind it becomes 503 DATABASE_UNAVAILABLE, from whichever layer it was thrown.
    translateErrors(asDatabaseUnavailable);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.db.close();
  }
}
