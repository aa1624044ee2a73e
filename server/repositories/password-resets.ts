import type { Kysely, Selectable } from 'kysely';
import type { Database, PasswordResetTable } from '../../db/schema.js';

/** Password reset links, stored as hashes only (making, checking and expiring them is `server/auth/password-reset.ts`). */

type Db = Kysely<Database>;
export type PasswordResetRow = Selectable<PasswordResetTable>;

/** Store a reset (inside the caller's transaction). */
export async function insertPasswordReset(db: Db, row: PasswordResetRow): Promise<void> {
  await db.insertInto('password_resets').values(row).execute();
}

/** The reset stored under a token's hash, or undefined. */
export function findPasswordResetByHash(db: Db, tokenHash: string): Promise<PasswordResetRow | undefined> {
  return db.selectFrom('password_resets').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

/** Mark every unused reset of a user used; returns the ids it marked. */
export async function voidPasswordResets(db: Db, userId: string, now: number): Promise<string[]> {
  const rows = await db
    .updateTable('password_resets')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .returning('id')
    .execute();
  return rows.map((r) => r.id);
}
