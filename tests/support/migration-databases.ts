import path from 'node:path';
import { Migrator, sql } from 'kysely';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, openPostgres, type Db } from '../../db/client.js';
import { migrations } from '../../db/migrations/index.js';
import { pgMigrations } from '../../db/migrations-pg/index.js';
import { pgTestDatabase, tempDir } from './app.js';

export type DatabaseName = 'SQLite' | 'PostgreSQL';

/**
 * An empty SQLite file and an empty PostgreSQL database for a migration test, opened before the
 * file's tests and closed after: `databases[name]` gives the handle and a Migrator over that
 * database's own migration list.
 */
export function emptyDatabases(): Record<DatabaseName, { db: Db; migrator: Migrator }> {
  const databases = {} as Record<DatabaseName, { db: Db; migrator: Migrator }>;
  let stop = () => {};
  beforeAll(async () => {
    const pg = await pgTestDatabase();
    stop = pg.stop;
    const sqlite = openDatabase(path.join(tempDir('debrief-migration-'), 'db.sqlite')).db;
    const postgres = openPostgres(pg.url, 2).db;
    // Under `npm run test:pg` the database is a clone of the migrated template: start from nothing.
    await sql`drop schema public cascade`.execute(postgres);
    await sql`create schema public`.execute(postgres);
    databases.SQLite = { db: sqlite, migrator: new Migrator({ db: sqlite, provider: { getMigrations: async () => migrations } }) };
    databases.PostgreSQL = { db: postgres, migrator: new Migrator({ db: postgres, provider: { getMigrations: async () => pgMigrations } }) };
  }, 60_000);
  afterAll(async () => {
    await databases.SQLite?.db.destroy();
    await databases.PostgreSQL?.db.destroy();
    stop();
  });
  return databases;
}
