import type { Insertable, Kysely } from 'kysely';
import type { AuditEventTable, Database } from '../../db/schema.js';

/** The audit log is append-only: rows are written (through `server/audit.ts`) and never changed here. */

type Db = Kysely<Database>;

/** Append one audit row, on the db or in the transaction of the change it describes. */
export async function insertAuditEvent(db: Db, row: Insertable<AuditEventTable>): Promise<void> {
  await db.insertInto('audit_events').values(row).execute();
}
