import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Why each session ended (issue 18, point 5). A forced end (removal, portal off, an allowlist, idle
 * timeout, …) deletes the session and writes its reason here in the same statement's transaction,
 * so the next request with that cookie is answered 401 with the reason, on any instance. The secret's
 * hash is kept so only the cookie's holder learns it. Rows are kept a week (the session sweep prunes).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const text = postgres ? sql`text collate "C"` : sql`text`;
  await db.schema
    .createTable('session_endings')
    .addColumn('session_id', text, (c) => c.primaryKey())
    .addColumn('secret_hash', postgres ? 'bytea' : 'blob', (c) => c.notNull())
    .addColumn('reason', text, (c) => c.notNull())
    .addColumn('ended_at', postgres ? 'bigint' : 'integer', (c) => c.notNull())
    .$call((t) => (postgres ? t : t.modifyEnd(sql`strict`)))
    .execute();
  await db.schema.createIndex('session_endings_at').on('session_endings').column('ended_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
