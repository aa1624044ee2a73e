import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, UserRow } from '../../db/schema.js';
import { hashSecretHex, randomToken } from './tokens.js';
import { findPasswordResetByHash, insertPasswordReset, voidPasswordResets } from '../repositories/password-resets.js';
import { countInWindow } from '../repositories/auth-throttle.js';
import { findUser } from '../repositories/users.js';

/**
 * Password reset links (OWASP Forgot Password cheat sheet, Lucia's example): 160 random bits,
 * only SHA-256 stored, valid 30 minutes, single use. A reset never signs anyone in, so it can
 * never stand in for the second factor.
 */

export const RESET_TTL_MS = 30 * 60_000;
/** Mails per address per window (the same for addresses with and without an account). */
const RESET_MAILS_PER_WINDOW = 3;
const RESET_WINDOW_MS = 60 * 60_000;

/** A reset token as we make them: randomToken(20) is 32 base32 characters. */
const TOKEN_SHAPE = /^[a-z2-7]{32}$/;

type Trx = Kysely<Database> | Transaction<Database>;

/** A new token and the hash to store. Called for every request, account or not, so both cost the same. */
export function newResetToken(): { token: string; tokenHash: string } {
  const token = randomToken(20);
  return { token, tokenHash: hashSecretHex(token) };
}

/** Store a reset for a user (inside the caller's transaction). */
export async function insertReset(trx: Trx, userId: string, tokenHash: string, now: number): Promise<void> {
  await insertPasswordReset(trx, { id: randomUUID(), token_hash: tokenHash, user_id: userId, created_at: now, expires_at: now + RESET_TTL_MS, used_at: null });
}

/** The unused, unexpired reset for a presented token and its (active) user, or null. */
export async function findValidReset(db: Trx, token: string, now: number): Promise<{ resetId: string; user: UserRow } | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const reset = await findPasswordResetByHash(db, hashSecretHex(token));
  if (!reset || reset.used_at !== null || now >= reset.expires_at) return null;
  const user = await findUser(db, reset.user_id);
  if (!user || user.status !== 'active') return null;
  return { resetId: reset.id, user };
}

/**
 * Mark a reset used and void every other outstanding one of the user, in one UPDATE of all the
 * user's unused links; true when this link was among them. Returns false when the token was used
 * or voided in the meantime (a concurrent confirm): the caller must then change nothing. One
 * statement: two links of one person confirmed at once (each marking its own, then voiding the
 * other) held each other's row and deadlocked on PostgreSQL.
 */
export async function consumeReset(trx: Trx, resetId: string, userId: string, now: number): Promise<boolean> {
  return (await voidPasswordResets(trx, userId, now)).includes(resetId);
}

/**
 * Void every outstanding reset link of a user. Called in the transaction of each change that must
 * make an earlier link worthless: a password change, an MFA reset, a removal (and any future
 * e-mail change) — a link requested before the change could be in someone else's hands.
 */
export async function voidResets(trx: Trx, userId: string, now: number): Promise<void> {
  await voidPasswordResets(trx, userId, now);
}

/**
 * Count one reset mail for an address in a fixed window, in the shared `auth_throttle` table
 * (key `reset:<email>`). Returns 0 when allowed, else the seconds until the window reopens.
 * Counted for unknown addresses too, so a 429 says nothing about whether an account exists.
 * One statement (`countInWindow`): parallel requests for one address are counted one after
 * the other, so no more than the quota get through.
 */
export async function takeResetQuota(db: Kysely<Database>, email: string, now: number): Promise<number> {
  const blockedUntil = await countInWindow(db, `reset:${email}`, now, RESET_MAILS_PER_WINDOW, RESET_WINDOW_MS);
  return blockedUntil > now ? Math.ceil((blockedUntil - now) / 1000) : 0;
}

/** `alice@example.com` → `a***@example.com`: enough to recognise, not enough to harvest. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf('@');
  if (at <= 0) return '***';
  return `${email.slice(0, 1)}***${email.slice(at)}`;
}

/** A password change or reset notifies the account owner (ASVS 6.3.7). */
export function passwordChangedMail(publicUrl: string, to: string) {
  return {
    to,
    kind: 'password_changed',
    subject: 'Your portal password was changed',
    text: [
      'The password of your account was just changed, and your other sessions were signed out.',
      '',
      `If this wasn't you, reset your password now at ${publicUrl}/forgot-password and contact support at once.`,
    ].join('\n'),
  };
}
