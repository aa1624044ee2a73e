import type { Kysely } from 'kysely';
import type { Database, EmailChangeRow } from '../../db/schema.js';

/** Pending e-mail changes, stored as hashes only (making and checking links is `server/auth/email-change.ts`). */

type Db = Kysely<Database>;

/** Store a pending change (inside the caller's transaction). */
export async function insertEmailChange(db: Db, row: EmailChangeRow): Promise<void> {
  await db.insertInto('email_changes').values(row).execute();
}

/** The change stored under a token's hash, or undefined. */
export function findEmailChangeByHash(db: Db, tokenHash: string): Promise<EmailChangeRow | undefined> {
  return db.selectFrom('email_changes').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/**
 * Mark one change used: a conditional UPDATE, so of two confirmations at once (two tabs, a
 * double click) only one succeeds, and a change voided meanwhile is not used.
 */
export async function markEmailChangeUsed(db: Db, id: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('email_changes')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Void every outstanding change of a user (a newer change, a removal, a confirmed change). */
export async function voidEmailChanges(db: Db, userId: string, now: number): Promise<void> {
  await db
    .updateTable('email_changes')
    .set({ voided_at: now })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .execute();
}
