import type { Insertable, Kysely, Updateable } from 'kysely';
import { dialectOf } from '../../db/client.js';
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

/**
 * Give back the mails whose lease ran out: the mailer that claimed them stopped mid-send (its
 * instance died or lost the database). They are pending again and the next claim takes them.
 */
export async function releaseExpiredLeases(db: Db, now: number): Promise<number> {
  const res = await db
    .updateTable('mail_outbox')
    .set({ status: 'pending', lease_until: null })
    .where('status', '=', 'sending')
    .where('lease_until', '<', now)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/**
 * Claim up to `limit` due pending mails for one mailer in one statement: they become `sending`
 * with the lease `leaseUntil`, and no other mailer takes them until it ends. On PostgreSQL several
 * instances claim at once: FOR UPDATE SKIP LOCKED makes each skip the rows another is claiming
 * (instead of waiting for them, then finding them taken); the outer UPDATE sets exactly the rows
 * locked (and still pending). SQLite has one writer at a time, and one statement is atomic. Oldest first.
 */
export async function claimDueMail(db: Db, now: number, leaseUntil: number, limit: number): Promise<MailRow[]> {
  const due = db
    .selectFrom('mail_outbox')
    .select('id')
    .where('status', '=', 'pending')
    .where('next_attempt_at', '<=', now)
    .orderBy('id')
    .limit(limit)
    .$if(dialectOf(db) === 'postgres', (q) => q.forUpdate().skipLocked());
  const rows = await db
    .updateTable('mail_outbox')
    .set({ status: 'sending', lease_until: leaseUntil })
    .where('id', 'in', due)
    .where('status', '=', 'pending')
    .returningAll()
    .execute();
  return rows.sort((a, b) => a.id - b.id);
}

/**
 * Record how a claimed mail's delivery ended, only while this mailer still holds it (status
 * `sending`, its own lease): false when the lease was lost meanwhile (another mailer holds it now).
 */
export async function finishMail(db: Db, id: number, leaseUntil: number, outcome: Updateable<MailOutboxTable>): Promise<boolean> {
  const res = await db
    .updateTable('mail_outbox')
    .set({ ...outcome, lease_until: null })
    .where('id', '=', id)
    .where('status', '=', 'sending')
    .where('lease_until', '=', leaseUntil)
    .executeTakeFirst();
  return Number(res.numUpdatedRows) === 1;
}

/** Give claimed mails not yet tried back to pending (their lease is nearly over), as they were. */
export async function giveBack(db: Db, mails: readonly MailRow[], leaseUntil: number): Promise<void> {
  if (!mails.length) return;
  await db
    .updateTable('mail_outbox')
    .set({ status: 'pending', lease_until: null })
    .where(
      'id',
      'in',
      mails.map((m) => m.id),
    )
    .where('status', '=', 'sending')
    .where('lease_until', '=', leaseUntil)
    .execute();
}
