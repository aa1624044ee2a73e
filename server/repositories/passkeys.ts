import type { Db } from '../../db/client.js';
import type { PasskeyChallengeTable, PasskeyTable } from '../../db/schema.js';
import type { Insertable, Selectable } from 'kysely';

/** Passkeys and the challenges of ceremonies in flight (auth/passkeys.ts holds the rules). */

export type PasskeyRow = Selectable<PasskeyTable>;
type ChallengeRow = Selectable<PasskeyChallengeTable>;

/** A person's passkeys, newest first. */
export function listPasskeys(db: Db, userId: string): Promise<PasskeyRow[]> {
  return db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).orderBy('created_at', 'desc').orderBy('id').execute();
}

/** The passkey a browser presents, by its credential id (unique across everyone). */
export function findPasskeyByCredential(db: Db, credentialId: string): Promise<PasskeyRow | undefined> {
  return db.selectFrom('passkeys').selectAll().where('credential_id', '=', credentialId).executeTakeFirst();
}

/** Keep a new passkey; the person's count follows (call inside a transaction). */
export async function insertPasskey(db: Db, row: Insertable<PasskeyTable>): Promise<void> {
  await db.insertInto('passkeys').values(row).execute();
  await db
    .updateTable('users')
    .set((eb) => ({ passkey_count: eb('passkey_count', '+', 1) }))
    .where('id', '=', row.user_id)
    .execute();
}

/** Remove one of a person's passkeys; false if they have no such passkey (call inside a transaction). */
export async function deletePasskey(db: Db, userId: string, id: string): Promise<PasskeyRow | undefined> {
  const gone = await db.deleteFrom('passkeys').where('id', '=', id).where('user_id', '=', userId).returningAll().executeTakeFirst();
  if (gone)
    await db
      .updateTable('users')
      .set((eb) => ({ passkey_count: eb('passkey_count', '-', 1) }))
      .where('id', '=', userId)
      .execute();
  return gone;
}

/** Remove every passkey of a person (an MFA reset); how many there were. */
export async function deleteAllPasskeys(db: Db, userId: string): Promise<number> {
  const gone = await db.deleteFrom('passkeys').where('user_id', '=', userId).returning('id').execute();
  await db.updateTable('users').set({ passkey_count: 0 }).where('id', '=', userId).execute();
  return gone.length;
}

/**
 * Record a use: the new signature counter, only if the stored one is still the one checked (two
 * uses of the same response race here: one wins, the other is refused as a replay).
 */
export async function recordPasskeyUse(db: Db, id: string, checkedCounter: number, newCounter: number, backedUp: boolean, now: number): Promise<boolean> {
  const r = await db
    .updateTable('passkeys')
    .set({ counter: newCounter, backed_up: backedUp ? 1 : 0, last_used_at: now })
    .where('id', '=', id)
    .where('counter', '=', checkedCounter)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Keep a ceremony's challenge under `id`, replacing an earlier one there; expired ones are dropped. */
export async function saveChallenge(db: Db, row: ChallengeRow, now: number): Promise<void> {
  await db
    .deleteFrom('passkey_challenges')
    .where((eb) => eb.or([eb('id', '=', row.id), eb('expires_at', '<=', now)]))
    .execute();
  await db.insertInto('passkey_challenges').values(row).execute();
}

/** Take (and delete) the challenge kept under `id` for `purpose`: single use; undefined if none or expired. */
export async function takeChallenge(db: Db, id: string, purpose: ChallengeRow['purpose'], now: number): Promise<ChallengeRow | undefined> {
  const row = await db.deleteFrom('passkey_challenges').where('id', '=', id).where('purpose', '=', purpose).returningAll().executeTakeFirst();
  return row && row.expires_at > now ? row : undefined;
}
