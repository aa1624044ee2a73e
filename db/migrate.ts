import { Migrator, type Migration, type MigrationProvider } from 'kysely';
import { dialectOf, type Db } from './client.js';
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
