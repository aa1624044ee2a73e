import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * The row `/readyz` writes to prove the database takes writes (issue 16, point 8): one row per
 * database (`id` 1), upserted at most every 2 seconds by each instance with the time of its probe.
 * A table of its own, so the probe never touches (or locks) a row the product uses.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('readiness_probe')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('probed_at', postgres ? 'bigint' : 'integer', (c) => c.notNull())
    .$call((t) => (postgres ? t : t.modifyEnd(sql`strict`)))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
