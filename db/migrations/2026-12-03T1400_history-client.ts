import { sql, type Kysely } from 'kysely';

/**
 * A finding's status changes carry the finding's client (findings never change client), indexed
 * with the time: the portal dashboard's "latest changes" walk one client's changes newest first
 * and stop at ten, instead of reading every change of every published finding of the client and
 * sorting them (18 ms for a client with 2,000 findings; issue 19). Existing rows are filled in
 * from their findings.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('finding_status_history')
    .addColumn('client_id', 'text', (c) => c.notNull().defaultTo(''))
    .execute();
  await sql`update finding_status_history set client_id = (select f.client_id from findings as f where f.id = finding_status_history.finding_id)`.execute(db);
  await db.schema.createIndex('finding_status_history_client').on('finding_status_history').columns(['client_id', 'at', 'id']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Migrations are forward-only.');
}
