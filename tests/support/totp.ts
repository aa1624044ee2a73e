import type { UserRow } from '../../db/schema.js';
import { newTotpSecret, sealTotpSecret, totpCodeAt } from '../../server/auth/totp.js';
import type { TestApp } from './app.js';

/**
 * Enrol a TOTP authenticator for `user` directly in the database (encrypted with the app's key,
 * exactly as enrolment stores it) and return the base32 secret, so a test can compute codes.
 */
export async function enrolTotp(app: Pick<TestApp, 'db' | 'config'>, user: Pick<UserRow, 'id'>): Promise<string> {
  const secret = newTotpSecret();
  await app.db
    .updateTable('users')
    .set({ totp_secret_enc: sealTotpSecret(app.config, user.id, secret), totp_pending_enc: null, totp_last_step: null })
    .where('id', '=', user.id)
    .execute();
  return secret;
}

/** The 6-digit code for `secret` at `atMs` (defaults to now). */
export function totpCode(secret: string, atMs: number = Date.now()): string {
  return totpCodeAt(secret, atMs);
}

/** The secret from an otpauth:// URL or a base32 string shown on a page (spaces and case ignored). */
export function secretFrom(text: string): string {
  const fromUrl = /[?&]secret=([A-Z2-7]+)/i.exec(text)?.[1];
  return (fromUrl ?? text).replace(/\s+/g, '').toUpperCase();
}
