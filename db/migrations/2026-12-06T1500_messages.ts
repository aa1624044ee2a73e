import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * The firm's own messages on the client portal (issue 15, points 8 and 9): one row per message the
 * firm wrote (`welcome`, `footer`, `help`, `status.<finding status>`), its Markdown source as
 * typed. A message without a row shows its default. Written once for SQLite and PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  await db.schema
    .createTable('firm_messages')
    .addColumn('key', postgres ? sql`text collate "C"` : 'text', (c) => c.primaryKey())
    .addColumn('body', postgres ? sql`text collate "C"` : 'text', (c) => c.notNull())
    .addColumn('updated_at', postgres ? 'bigint' : 'integer', (c) => c.notNull())
    .$call((t) => (postgres ? t : t.modifyEnd(sql`strict`)))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
