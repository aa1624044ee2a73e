import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * E-mail changes (issue 18, point 11): a change of an active person's address waits for a link
 * sent to the new address. The link's secret is stored only as its SHA-256 hex (like invitations
 * and password resets), single use, expiring; the old address keeps working until it is used.
 * Written once for SQLite and PostgreSQL.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const time = postgres ? 'bigint' : 'integer';
  await db.schema
    .createTable('email_changes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('old_email', 'text', (c) => c.notNull())
    .addColumn('new_email', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text')
    .addColumn('created_at', time, (c) => c.notNull())
    .addColumn('expires_at', time, (c) => c.notNull())
    .addColumn('used_at', time)
    .addColumn('voided_at', time)
    .$call((t) => (postgres ? t : t.modifyEnd(sql`strict`)))
    .execute();
  await db.schema.createIndex('email_changes_user').on('email_changes').column('user_id').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
