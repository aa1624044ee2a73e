import type { Insertable, Kysely } from 'kysely';
import type { Database, MailOutboxTable, MailRow } from '../../db/schema.js';

/** The outbox: mails queued in the transaction of their cause, and the admin's view of it. Delivery is the mailer's (`server/services/mailer.ts`). */

type Db = Kysely<Database>;

/** The newest mails, newest first. */
export function listRecentMail(db: Db, limit: number): Promise<MailRow[]> {
  return db.selectFrom('mail_outbox').selectAll().orderBy('id', 'desc').limit(limit).execute();
}

/** Queue one mail (inside the caller's transaction). */
export async function insertMail(db: Db, row: Insertable<MailOutboxTable>): Promise<void> {
  await db.insertInto('mail_outbox').values(row).execute();
}
