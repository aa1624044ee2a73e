import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * The page-view throttle (issue 15, point 11), kept in the database so it holds across several
 * instances. Written once for SQLite and PostgreSQL. Both tables hang off the session: they go
 * when it ends (on delete cascade).
 * - `page_view_marks`: when each page (route and object) was last recorded for a session; a report
 *   of the same page within a minute of it is a repeat and writes no row.
 * - `page_view_budgets`: per session, the current hour's window, how many views it recorded, and
 *   how many reports it did not record (repeats, and views over the hourly cap), carried into a
 *   `page.views_dropped` audit row when the next window opens.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const postgres = db.getExecutor().adapter instanceof PostgresAdapter;
  const text = postgres ? sql`text collate "C"` : sql`text`;
  const int = postgres ? 'bigint' : 'integer';
  await db.schema
    .createTable('page_view_marks')
    .addColumn('session_id', text, (c) => c.notNull().references('sessions.id').onDelete('cascade'))
    .addColumn('page', text, (c) => c.notNull())
    .addColumn('at', int, (c) => c.notNull())
    .addPrimaryKeyConstraint('page_view_marks_pk', ['session_id', 'page'])
    .$call((t) => (postgres ? t : t.modifyEnd(sql`strict`)))
    .execute();
  await db.schema
    .createTable('page_view_budgets')
    .addColumn('session_id', text, (c) => c.primaryKey().references('sessions.id').onDelete('cascade'))
    .addColumn('window_start', int, (c) => c.notNull())
    .addColumn('recorded', int, (c) => c.notNull().defaultTo(0))
    .addColumn('repeats', int, (c) => c.notNull().defaultTo(0))
    .addColumn('over_cap', int, (c) => c.notNull().defaultTo(0))
    .$call((t) => (postgres ? t : t.modifyEnd(sql`strict`)))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
