import type { Transaction } from 'kysely';
import type { Db } from '../../db/client.js';
import type { Database } from '../../db/schema.js';
import { hashSecretHex, randomToken } from './tokens.js';

/**
 * Recovery codes: ten single-use codes, each 120 random bits (24 base32 characters shown in
 * groups of four). With that much entropy a plain SHA-256 is a sufficient way to store them
 * (OWASP/ASVS: ≥112 bits + an approved hash); the codes themselves are shown once and never stored.
 */

export const RECOVERY_CODE_COUNT = 10;

/** Lower case, without spaces or dashes: the form that is hashed, so typing style doesn't matter. */
export function normaliseRecoveryCode(code: string): string {
  return code.toLowerCase().replace(/[\s-]+/g, '');
}

/** One new code, e.g. `k7qd-m2xa-p4rt-zz3e-b6wn-c5yh`. */
export function newRecoveryCode(): string {
  return randomToken(15).match(/.{4}/g)!.join('-');
}

/** Replace a user's recovery codes with ten new ones (inside the caller's transaction); returns them to show once. */
export async function replaceRecoveryCodes(trx: Transaction<Database> | Db, userId: string, now: number): Promise<string[]> {
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await trx.deleteFrom('recovery_codes').where('user_id', '=', userId).execute();
  await trx
    .insertInto('recovery_codes')
    .values(codes.map((c) => ({ user_id: userId, code_hash: hashSecretHex(normaliseRecoveryCode(c)), used_at: null, created_at: now })))
    .execute();
  return codes;
}

/**
 * Use a recovery code: true when it was one of the user's unused codes. Marking it used is a
 * conditional UPDATE, so two concurrent requests with the same code cannot both succeed.
 */
export async function consumeRecoveryCode(db: Db, userId: string, code: string, now: number): Promise<boolean> {
  const normalised = normaliseRecoveryCode(code);
  if (!/^[a-z2-7]{24}$/.test(normalised)) return false;
  const r = await db
    .updateTable('recovery_codes')
    .set({ used_at: now })
    .where('user_id', '=', userId)
    .where('code_hash', '=', hashSecretHex(normalised))
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) >= 1;
}

/** How many unused recovery codes a user has left. */
export async function recoveryCodesLeft(db: Db, userId: string): Promise<number> {
  const row = await db
    .selectFrom('recovery_codes')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId)
    .where('used_at', 'is', null)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}
