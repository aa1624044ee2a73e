import path from 'node:path';
import { mkdir } from 'node:fs/promises';
import { Migrator, sql, type Migration, type MigrationProvider } from 'kysely';
import { loadConfig, type Config } from '../server/config.js';
import { buildInfo } from '../server/build-info.js';
import { writeArchive } from './archive.js';
import { connectDatabase, describeTarget, dialectOf, waitUntilReachable, type Db } from './client.js';
import { migrations } from './migrations/index.js';
import { pgMigrations } from './migrations-pg/index.js';

const providerOf = (list: Record<string, Migration>): MigrationProvider => ({
  async getMigrations(): Promise<Record<string, Migration>> {
    return list;
  },
});

const knownMigrations = (db: Db) => (dialectOf(db) === 'postgres' ? pgMigrations : migrations);

/** The applied migrations' names, in order ([] on an empty database). */
async function appliedMigrations(db: Db): Promise<string[]> {
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  if (!tables.some((t) => t.name === 'kysely_migration')) return [];
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(db);
  return rows.map((r) => r.name);
}

/** Data a newer Debrief migrated: this build does not know one of its migrations. */
class NewerDataError extends Error {}

/** The line for data a newer build migrated, naming its unknown migration and this build's last. */
function newerDataMessage(unknown: string, known: string[]): string {
  return `This database was upgraded by a newer Debrief (migration ${unknown}); this build (${buildInfo().version}) knows migrations up to ${known.at(-1)}. Run the newer Debrief, or restore a backup made before the upgrade.`;
}

/**
 * The migrations still to apply, in order. Throws NewerDataError when the database has one this
 * build does not know (Kysely would only say "corrupted migrations").
 */
async function pendingMigrations(db: Db): Promise<{ applied: string[]; pending: string[] }> {
  const known = Object.keys(knownMigrations(db)).sort();
  const applied = await appliedMigrations(db);
  const unknown = applied.find((m) => !known.includes(m));
  if (unknown) throw new NewerDataError(newerDataMessage(unknown, known));
  return { applied, pending: known.filter((m) => !applied.includes(m)) };
}

/**
 * Before migrating data that exists (SQLite), write a full backup archive
 * `pre-migrate-<from>-<to>.tar` to BACKUP_DIR; then migrate. Returns the migrations applied and the
 * archive written, if any. Start-up and `debrief migrate` both come through here.
 */
export async function migrateWithBackup(db: Db, config: Config): Promise<{ applied: string[]; backup: string | null }> {
  const { applied, pending } = await pendingMigrations(db);
  let backup: string | null = null;
  if (pending.length && applied.length && config.database.kind === 'sqlite') {
    await mkdir(config.backupDir, { recursive: true, mode: 0o700 });
    backup = path.join(config.backupDir, `pre-migrate-${applied.at(-1)}-${pending.at(-1)}.tar`);
    try {
      await writeArchive(config, backup);
    } catch (err) {
      throw new Error(`the backup before migrating could not be written to ${backup} (BACKUP_DIR): ${(err as Error).message}; nothing was migrated`, {
        cause: err,
      });
    }
  }
  return { applied: await migrateToLatest(db), backup };
}

/**
 * Bring the schema to the latest migration. All pending migrations run in one transaction
 * (see client.ts), so a failure throws and leaves the database exactly as it was. On PostgreSQL
 * the migrator holds an advisory lock meanwhile: of several instances started at once, one
 * migrates and the others wait, then find nothing left to do.
 */
export async function migrateToLatest(db: Db): Promise<string[]> {
  await pendingMigrations(db);
  const migrator = new Migrator({ db, provider: providerOf(knownMigrations(db)) });
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
    const { pending } = await pendingMigrations(database.db);
    if (pending.length) process.stdout.write(`Pending for ${where}:\n${pending.map((m) => `  ${m}\n`).join('')}`);
    const { applied, backup } = await migrateWithBackup(database.db, config);
    if (backup) process.stdout.write(`Backed up the data before migrating to ${backup}\n`);
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
