import { PostgresAdapter, type Kysely } from 'kysely';

/**
 * The audit trail's missing fields (issue 15, point 10) and its two firm settings. Written once for
 * SQLite and PostgreSQL. Older rows keep null in the new columns.
 * - `actor_kind`: 'staff', 'portal', 'anonymous' (a sign-in attempt, a public link) or 'system' (a job).
 * - `request_id`: the HTTP request's id, or the socket event's.
 * - `source`: 'server' (the server saw it happen) or 'browser' (a page view the SPA reported).
 * - firm `audit_retention_days`: how long rows are kept (null = forever; at least 30); default 400.
 * - firm `analysts_read_audit`: 1 lets analysts read the Audit page (read-only); default 0 (admins only).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const column of ['actor_kind', 'request_id', 'source']) {
    await db.schema.alterTable('audit_events').addColumn(column, 'text').execute();
  }
  await db.schema
    .alterTable('firm')
    .addColumn('audit_retention_days', postgres ? 'bigint' : 'integer', (c) => c.defaultTo(400))
    .execute();
  await db.schema
    .alterTable('firm')
    .addColumn('analysts_read_audit', postgres ? 'bigint' : 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}
