import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * The Audit page and the Access log list rows newest first by time (`at`, then `id`), so a date
 * filter is a range of the same index the page walks (issue 15's bench: by id, a date range a
 * quarter back read half a million rows before its first match). With the existing
 * `audit_events_at` (at) and `audit_events_client_at` (client_id, at), each filter gets an index
 * that walks in that order: the person, the exact action, the outcome, and the action's group
 * (its text up to the first dot, `auth.`: an expression index; the reader repeats the expression
 * exactly, server/repositories/audit-read.ts). The (…, id) indexes stay for the live tail and
 * the exports, which read in id order.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const column of ['actor_id', 'action', 'outcome']) {
    await db.schema.createIndex(`audit_events_${column}_at`).on('audit_events').columns([column, 'at']).execute();
  }
  const group = postgres ? `substr(action, 1, strpos(action, '.'))` : `substr(action, 1, instr(action, '.'))`;
  await sql`create index audit_events_group_at on audit_events (${sql.raw(group)}, at)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
