import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { greatest } from '../../db/dialect.js';

type Db = Kysely<Database>;

/**
 * The notification mail each person has waiting (`mail_digests`): at most one mail per person per
 * window. `due_at` is when their next mail goes (null: nothing waiting), `last_sent_at` when the
 * last one went. Stored, so a restart loses no pending digest.
 */

/**
 * A notification is waiting for this person's mail: their next mail is due after the grace
 * period, or at the end of the window their last mail opened, whichever is later. A mail already
 * due keeps its time (one upsert: two at once cannot schedule two).
 */
export async function scheduleDigest(db: Db, userId: string, now: number, graceMs: number, windowMs: number): Promise<void> {
  const soonest = now + graceMs;
  await db
    .insertInto('mail_digests')
    .values({ user_id: userId, due_at: soonest, last_sent_at: null })
    .onConflict((oc) =>
      oc.column('user_id').doUpdateSet({
        due_at: sql<number>`coalesce(mail_digests.due_at, ${greatest(db, sql<number>`coalesce(mail_digests.last_sent_at + ${windowMs}, 0)`, sql<number>`${soonest}`)})`,
      }),
    )
    .execute();
}

/** People whose mail is due (oldest first), with the due time each claim must match. */
export function dueDigests(db: Db, now: number, limit: number): Promise<{ user_id: string; due_at: number | null }[]> {
  return db.selectFrom('mail_digests').select(['user_id', 'due_at']).where('due_at', '<=', now).orderBy('due_at').limit(limit).execute();
}

/**
 * Take a due digest (inside the transaction that queues its mail): false when another instance
 * took it first, or it changed meanwhile. The conditional update is the claim.
 */
export async function claimDigest(trx: Db, userId: string, dueAt: number): Promise<boolean> {
  const r = await trx.updateTable('mail_digests').set({ due_at: null }).where('user_id', '=', userId).where('due_at', '=', dueAt).executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** A mail went to the person now: the next may go a window later. */
export async function digestSent(trx: Db, userId: string, now: number): Promise<void> {
  await trx.updateTable('mail_digests').set({ last_sent_at: now }).where('user_id', '=', userId).execute();
}
