import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Calm notifications (issue 18, points 1 and 2). Written once for SQLite and PostgreSQL.
 * - A notification counts what it stands for (`count`) and names its latest authors (`authors`,
 *   a JSON array of names, newest first): while a reply notification about a finding is unread,
 *   new replies update it instead of adding rows — at most one unread `reply` row per person and
 *   finding, held by a partial unique index like chat's (`notifications_chat_unread`).
 * - `mail_pending`: 1 while the row waits for its person's next mail (a digest).
 * - `mail_digests`: one row per person with mail waiting (`due_at`) or mailed before
 *   (`last_sent_at`): at most one mail per person per window. Stored, so a restart loses no
 *   pending digest; a digest is claimed and its mail queued in one transaction, so none is sent twice.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const big = postgres ? 'bigint' : 'integer';
  await db.schema
    .alterTable('notifications')
    .addColumn('count', 'integer', (c) => c.notNull().defaultTo(1))
    .execute();
  await db.schema
    .alterTable('notifications')
    .addColumn('authors', postgres ? sql`text collate "C"` : 'text', (c) => c.notNull().defaultTo('[]'))
    .execute();
  await db.schema
    .alterTable('notifications')
    .addColumn('mail_pending', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  // Duplicates a live database may hold are resolved first (all but the newest unread marked read).
  await sql`
    update notifications set read_at = created_at
    where kind = 'reply' and read_at is null and exists (
      select 1 from notifications as newer
      where newer.user_id = notifications.user_id and newer.finding_id = notifications.finding_id
        and newer.kind = 'reply' and newer.read_at is null and newer.id > notifications.id
    )`.execute(db);
  await sql`create unique index notifications_reply_unread on notifications (user_id, finding_id) where kind = 'reply' and read_at is null`.execute(db);
  await db.schema.createIndex('notifications_mail_pending').on('notifications').columns(['user_id', 'mail_pending']).execute();
  await db.schema
    .createTable('mail_digests')
    .addColumn('user_id', postgres ? sql`text collate "C"` : 'text', (c) => c.primaryKey().references('users.id').onDelete('cascade'))
    .addColumn('due_at', big)
    .addColumn('last_sent_at', big)
    .$call((t) => (postgres ? t : t.modifyEnd(sql`strict`)))
    .execute();
  await db.schema.createIndex('mail_digests_due').on('mail_digests').column('due_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
