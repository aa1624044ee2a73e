import { sql, type Kysely } from 'kysely';

/**
 * At most one unread chat notification per person and client, held by a partial unique index
 * (issue 13, point 7): two messages at once used to read "no unread row yet" side by side on
 * PostgreSQL and both insert one; now the second insert meets the index and adds nothing
 * (`insertChatNotifications`). Written once for SQLite and PostgreSQL (the same SQL on both).
 * Duplicates a live database may already hold are resolved first: of one person's unread chat
 * notifications about one client, all but the newest are marked read when it was written.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    update notifications set read_at = (
      select max(newer.created_at) from notifications as newer
      where newer.user_id = notifications.user_id and newer.client_id = notifications.client_id
        and newer.kind = 'chat' and newer.read_at is null and newer.id > notifications.id
    )
    where kind = 'chat' and read_at is null and exists (
      select 1 from notifications as newer
      where newer.user_id = notifications.user_id and newer.client_id = notifications.client_id
        and newer.kind = 'chat' and newer.read_at is null and newer.id > notifications.id
    )`.execute(db);
  await sql`create unique index notifications_chat_unread on notifications (user_id, client_id) where kind = 'chat' and read_at is null`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
