import type { Kysely } from 'kysely';
import type { Database, MailRow } from '../../db/schema.js';

/** The admin's view of the outbox. Queueing and delivering mail is the mailer's (`server/services/mailer.ts`). */

type Db = Kysely<Database>;

/** The newest mails, newest first. */
export function listRecentMail(db: Db, limit: number): Promise<MailRow[]> {
  return db.selectFrom('mail_outbox').selectAll().orderBy('id', 'desc').limit(limit).execute();
}
