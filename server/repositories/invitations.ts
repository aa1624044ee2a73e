import type { Kysely } from 'kysely';
import type { Database, InvitationRow } from '../../db/schema.js';

/** Invitation links, stored as hashes only (making, mailing and checking them is `server/auth/invitations.ts`). */

type Db = Kysely<Database>;

/** Store an invitation (inside the caller's transaction). */
export async function insertInvitation(db: Db, row: InvitationRow): Promise<void> {
  await db.insertInto('invitations').values(row).execute();
}

/** The invitation stored under a token's hash, or undefined. */
export function findInvitationByHash(db: Db, tokenHash: string): Promise<InvitationRow | undefined> {
  return db.selectFrom('invitations').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/**
 * Mark one invitation used, if it is still usable: unused, not voided, not expired. The condition
 * sits in the UPDATE, which PostgreSQL re-checks on the row a concurrent resend or removal just
 * voided: false means the link died in the meantime.
 */
export async function markInvitationUsed(db: Db, invitationId: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('invitations')
    .set({ used_at: now })
    .where('id', '=', invitationId)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Void every outstanding (unused, not yet voided) invitation of a user. */
export async function voidUserInvitations(db: Db, userId: string, now: number): Promise<void> {
  await db
    .updateTable('invitations')
    .set({ voided_at: now })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .where('voided_at', 'is', null)
    .execute();
}
