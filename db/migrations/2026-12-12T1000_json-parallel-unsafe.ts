import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * PostgreSQL only: `json_valid` and `json_type` (the baseline's stand-ins for SQLite's, which the
 * access rules' SQL calls) catch errors in PL/pgSQL, and an exception block starts a
 * subtransaction, which no parallel query may do. They were marked parallel safe, so once a table
 * was large enough for the planner to use parallel workers, every portal page reading a client's
 * switches failed ("cannot start subtransactions during a parallel operation"). Parallel unsafe:
 * queries that call them run without workers (they read through indexes anyway). SQLite: nothing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`alter function json_valid(text) parallel unsafe`.execute(db);
  await sql`alter function json_type(text, text) parallel unsafe`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
