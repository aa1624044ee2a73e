import type { Transaction } from 'kysely';
import type { Db } from '../../db/client.js';
import type { Database } from '../../db/schema.js';
import { lockRow } from '../../db/dialect.js';
import { hashSecretHex, randomToken } from './tokens.js';
import { countUnusedRecoveryCodes, replaceRecoveryCodeHashes, useRecoveryCode } from '../repositories/recovery-codes.js';

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

/**
 * Replace a user's recovery codes with ten new ones (inside the caller's transaction); returns them
 * to show once. The user row is locked first: of two replacements at once (a double click, or a
 * regeneration racing the enrolment's), the second waits and then deletes the first's codes. A
 * DELETE alone skips rows inserted after it began, which left twenty valid codes on PostgreSQL.
 */
export async function replaceRecoveryCodes(trx: Transaction<Database> | Db, userId: string, now: number): Promise<string[]> {
  await lockRow(trx, 'users', userId);
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
  await replaceRecoveryCodeHashes(
    trx,
    userId,
    codes.map((c) => hashSecretHex(normaliseRecoveryCode(c))),
    now,
  );
  return codes;
}

/**
 * Use a recovery code: true when it was one of the user's unused codes. Marking it used is a
 * conditional UPDATE, so two concurrent requests with the same code cannot both succeed.
 */
export async function consumeRecoveryCode(db: Db, userId: string, code: string, now: number): Promise<boolean> {
  const normalised = normaliseRecoveryCode(code);
  if (!/^[a-z2-7]{24}$/.test(normalised)) return false;
  return useRecoveryCode(db, userId, hashSecretHex(normalised), now);
}

/** How many unused recovery codes a user has left. */
export function recoveryCodesLeft(db: Db, userId: string): Promise<number> {
  return countUnusedRecoveryCodes(db, userId);
}
