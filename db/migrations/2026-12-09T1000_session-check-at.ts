import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * When the session sweep must look at a session next (issue 19): the sweep runs every second and
 * read every session to judge its timeouts; now it reads only those whose `check_at` has come,
 * through this index. `check_at` is never later than the moment the session can end: 0 or less
 * (0 is the default, for every session that exists when this runs) means "at the next sweep",
 * which computes it. What can bring an end closer sets it below 0: new timeouts of the firm or a
 * client, and a restart (the configured defaults may have changed).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .alterTable('sessions')
    .addColumn('check_at', postgres ? 'bigint' : 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('sessions_check_at').on('sessions').column('check_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
