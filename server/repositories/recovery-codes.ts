import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';

/** Recovery codes, stored as hashes only (making and normalising codes is `server/auth/recovery-codes.ts`). */

type Db = Kysely<Database>;

/** Replace a user's codes with these hashes (in the caller's transaction). */
export async function replaceRecoveryCodeHashes(db: Db, userId: string, codeHashes: string[], now: number): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await db
    .insertInto('recovery_codes')
    .values(codeHashes.map((code_hash) => ({ user_id: userId, code_hash, used_at: null, created_at: now })))
    .execute();
}

/** Delete every code of a user (their second factor was reset). */
export async function deleteRecoveryCodes(db: Db, userId: string): Promise<void> {
  await db.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
}

/** Mark an unused code of the user used: a conditional UPDATE, so of two concurrent uses only one succeeds. */
export async function useRecoveryCode(db: Db, userId: string, codeHash: string, now: number): Promise<boolean> {
  const r = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) >= 1;
}

/** How many unused codes a user has left. */
export async function countUnusedRecoveryCodes(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
