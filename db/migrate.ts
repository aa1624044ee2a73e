import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import { loadConfig } from '../server/config.js';
import { connectDatabase, describeTarget, dialectOf, waitUntilReachable, type Db } from './client.js';
import { migrations } from './migrations/index.js';
import { pgMigrations } from './migrations-pg/index.js';

const providerOf = (list: Record<string, Migration>): MigrationProvider => ({
  async getMigrations(): Promise<Record<string, Migration>> {
    return list;
  },
});

/**
 * Bring the schema to the latest migration. All pending migrations run in one transaction
 * (see client.ts), so a failure throws and leaves the database exactly as it was. On PostgreSQL
 * the migrator holds an advisory lock meanwhile: of several instances started at once, one
 * migrates and the others wait, then find nothing left to do.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  const migrator = new Migrator({ db, provider: providerOf(dialectOf(db) === 'postgres' ? pgMigrations : migrations) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`migration ${failed ?? '(unknown)'} failed: ${reason}; the database was left unchanged`);
  }
  return (results ?? []).map((r) => r.migrationName);
}

/** `debrief migrate`: apply the pending migrations (start-up does too) and list what was applied. */
export async function migrateCommand(): Promise<void> {
  const config = loadConfig();
  const where = describeTarget(config.database);
  const database = connectDatabase(config.database, () => {});
  try {
    await waitUntilReachable(database.db, config.databaseWaitMs);
    const applied = await migrateToLatest(database.db);
    process.stdout.write(
      applied.length
        ? `Applied ${applied.length} migration${applied.length === 1 ? '' : 's'} to ${where}:\n${applied.map((m) => `  ${m}\n`).join('')}`
        : `${where} is up to date: no migration was pending.\n`,
    );
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  } finally {
    await database.close();
  }
}
