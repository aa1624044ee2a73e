import { timingSafeEqual } from 'node:crypto';
import { HOTP, Secret, TOTP } from 'otpauth';
import type { Db } from '../../db/client.js';
import { openSecret, sealSecret, type SecretKeyConfig } from './secret-box.js';
import { advanceTotpStep } from '../repositories/users.js';

/**
 * TOTP (RFC 6238) with the `otpauth` library: SHA-1, 6 digits, 30-second steps, the authenticator
 * apps' common ground. A code is accepted for the current step ±1 (clock drift), and only once:
 * the accepted step is stored per user and any step at or before it is refused (ASVS 6.5.1).
 */

const TOTP_PERIOD_SECONDS = 30;
const TOTP_DIGITS = 6;
/** Steps accepted either side of now. */
const TOTP_WINDOW = 1;
const ALGORITHM = 'SHA1';

/** A new secret: 20 random bytes (160 bits), as base32 for the authenticator app. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The time step a moment falls in. */
export function totpStep(atMs: number): number {
  return Math.floor(atMs / 1000 / TOTP_PERIOD_SECONDS);
}

/** The code for a secret at a moment (for the demo and tests; the server only ever checks codes). */
export function totpCodeAt(secretBase32: string, atMs: number): string {
  return TOTP.generate({ secret: Secret.fromBase32(secretBase32), algorithm: ALGORITHM, digits: TOTP_DIGITS, period: TOTP_PERIOD_SECONDS, timestamp: atMs });
}

export type TotpCheck = { ok: true; step: number } | { ok: false; reason: 'invalid' | 'replay' };

/**
 * Check a code at `atMs` against the window. Every step in the window is compared (constant time
 * each), and the latest matching step after `lastStep` wins; a code that only matches steps at or
 * before `lastStep` is a replay.
 */
export function checkTotp(secretBase32: string, code: string, atMs: number, lastStep: number | null): TotpCheck {
  if (!/^\d{6}$/.test(code)) return { ok: false, reason: 'invalid' };
  const secret = Secret.fromBase32(secretBase32);
  const now = totpStep(atMs);
  let accepted: number | null = null;
  let replayed = false;
  for (let step = now - TOTP_WINDOW; step <= now + TOTP_WINDOW; step++) {
    const expected = HOTP.generate({ secret, algorithm: ALGORITHM, digits: TOTP_DIGITS, counter: step });
    if (!timingSafeEqual(Buffer.from(expected), Buffer.from(code))) continue;
    if (lastStep !== null && step <= lastStep) replayed = true;
    else accepted = step;
  }
  if (accepted !== null) return { ok: true, step: accepted };
  return { ok: false, reason: replayed ? 'replay' : 'invalid' };
}

/** The otpauth:// URI an authenticator app reads from the QR code. */
export function totpUri(secretBase32: string, issuer: string, account: string): string {
  return new TOTP({
    issuer,
    label: account,
    secret: Secret.fromBase32(secretBase32),
    algorithm: ALGORITHM,
    digits: TOTP_DIGITS,
    period: TOTP_PERIOD_SECONDS,
  }).toString();
}

/** Encrypt a user's TOTP secret for storage (bound to the user: a box moved to another row won't open). */
export function sealTotpSecret(config: SecretKeyConfig, userId: string, secretBase32: string): string {
  return sealSecret(config, secretBase32, `totp:${userId}`);
}

/** Decrypt a user's stored TOTP secret (active or pending). */
export function openTotpSecret(config: SecretKeyConfig, userId: string, box: string): string {
  return openSecret(config, box, `totp:${userId}`);
}

/**
 * Record an accepted step, only if it is later than the stored one. False means another request
 * used this step (or a later one) first: the caller treats it as a replay. The condition sits in
 * the UPDATE itself so two concurrent requests with the same code cannot both succeed.
 */
export function claimTotpStep(db: Db, userId: string, step: number): Promise<boolean> {
  return advanceTotpStep(db, userId, step);
}
