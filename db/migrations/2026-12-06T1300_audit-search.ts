import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * Reading the audit trail (issue 15, point 12): the indexes each filter of the Audit page and the
 * client Managers' Access log needs, newest first by id (keyset paging), and a free-text search.
 * Written once for SQLite and PostgreSQL.
 * - (client_id, id), (actor_id, id), (action, id), (outcome, id): one filter, newest first, no sort.
 * - Free text over action, actor_email, target_type, target_id, ip, user_agent and details:
 *   SQLite: an external-content FTS5 table `audit_events_fts` (rowid = audit_events.id) kept in
 *   step by triggers after insert, after delete (the retention job deletes old rows) and after
 *   update (the log refuses updates; should one ever pass, the index follows). Existing rows are
 *   indexed here. PostgreSQL: a GIN index on `to_tsvector('simple', …)` of the same fields — the
 *   query (server/queries/audit/filters.ts) repeats the expression exactly, so the index is used.
 * The FTS tables and triggers are SQLite's only; the expression index is PostgreSQL's only
 * (tests/integration/schema-equivalence.test.ts names them as the one deliberate difference).
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  for (const column of ['client_id', 'actor_id', 'action', 'outcome']) {
    await db.schema.createIndex(`audit_events_${column}_id`).on('audit_events').columns([column, 'id']).execute();
  }
  if (postgres) {
    await sql`create index audit_events_search on audit_events using gin (to_tsvector('simple'::regconfig, ${sql.raw(PG_DOCUMENT)}))`.execute(db);
    return;
  }
  await sql`create virtual table audit_events_fts using fts5(
    action, actor_email, target_type, target_id, ip, user_agent, details,
    content = 'audit_events', content_rowid = 'id'
  )`.execute(db);
  const cols = 'action, actor_email, target_type, target_id, ip, user_agent, details';
  const of = (row: 'new' | 'old') => cols.replace(/(\w+)/g, `${row}.$1`);
  await sql
    .raw(
      `create trigger audit_events_fts_insert after insert on audit_events begin
         insert into audit_events_fts (rowid, ${cols}) values (new.id, ${of('new')});
       end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger audit_events_fts_delete after delete on audit_events begin
         insert into audit_events_fts (audit_events_fts, rowid, ${cols}) values ('delete', old.id, ${of('old')});
       end`,
    )
    .execute(db);
  await sql
    .raw(
      `create trigger audit_events_fts_update after update on audit_events begin
         insert into audit_events_fts (audit_events_fts, rowid, ${cols}) values ('delete', old.id, ${of('old')});
         insert into audit_events_fts (rowid, ${cols}) values (new.id, ${of('new')});
       end`,
    )
    .execute(db);
  await sql`insert into audit_events_fts (audit_events_fts) values ('rebuild')`.execute(db);
}

/** PostgreSQL's searched document: the same fields, space-separated (a null field is empty). */
const PG_DOCUMENT = ['action', 'actor_email', 'target_type', 'target_id', 'ip', 'user_agent', 'details'].map((c) => `coalesce(${c}, '')`).join(` || ' ' || `);

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
