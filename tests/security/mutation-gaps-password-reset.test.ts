import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildPortalUser, buildStaff } from '../support/factories.js';
import {
  consumeReset,
  findValidReset,
  insertReset,
  maskEmail,
  newResetToken,
  passwordChangedMail,
  RESET_TTL_MS,
  takeResetQuota,
  voidResets,
} from '../../server/auth/password-reset.js';

/**
 * The rules of reset links and the per-address mail quota (server/auth/password-reset.ts), with
 * exact times (the functions take `now`, so each boundary is hit to the millisecond):
 * - a link is exactly 32 lower-case base32 characters, works until 30 minutes after it was made
 *   (not at that moment), once, and only for an active account;
 * - using one voids the user's other links and no one else's; a second use of the same link fails;
 * - three mails per address in a window of one hour counted from the first; the fourth names the
 *   seconds until that window ends;
 * - the masked address and the "password changed" mail are exactly as shown to people.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const T = 1_800_000_000_000;
const resetsOf = (userId: string) => app.db.selectFrom('password_resets').selectAll().where('user_id', '=', userId).orderBy('created_at').execute();

async function link(userId: string, at = T) {
  const { token, tokenHash } = newResetToken();
  await insertReset(app.db, userId, tokenHash, at);
  return token;
}

describe('a reset link', () => {
  it('is 32 lower-case base32 characters, stored only as its hash, expiring 30 minutes after it was made', async () => {
    const user = await buildStaff(app.db);
    const { token, tokenHash } = newResetToken();
    expect(token).toMatch(/^[a-z2-7]{32}$/);
    expect(tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(newResetToken().token).not.toBe(token);
    await insertReset(app.db, user.id, tokenHash, T);
    const [row] = await resetsOf(user.id);
    expect(row).toMatchObject({ user_id: user.id, token_hash: tokenHash, created_at: T, expires_at: T + 30 * 60_000, used_at: null });
    expect(RESET_TTL_MS).toBe(30 * 60_000);
  });

  it('works up to the last millisecond of its 30 minutes, not at the 30th minute', async () => {
    const user = await buildStaff(app.db);
    const token = await link(user.id);
    expect((await findValidReset(app.db, token, T))?.user.id).toBe(user.id);
    expect((await findValidReset(app.db, token, T + RESET_TTL_MS - 1))?.user.id).toBe(user.id);
    expect(await findValidReset(app.db, token, T + RESET_TTL_MS)).toBeNull();
  });

  it('must be exactly the token: no prefix, suffix, other case or other length', async () => {
    const user = await buildStaff(app.db);
    const token = await link(user.id);
    for (const bad of [`${token}a`, `a${token}`, token.slice(1), token.toUpperCase(), ` ${token}`, `${token}\n`]) {
      expect(await findValidReset(app.db, bad, T), JSON.stringify(bad)).toBeNull();
    }
    expect((await findValidReset(app.db, token, T))?.resetId).toBe((await resetsOf(user.id))[0]!.id);
  });

  it('opens nothing for an account that is not active', async () => {
    for (const status of ['invited', 'removed'] as const) {
      const user = await buildPortalUser(app.db, { status });
      expect(await findValidReset(app.db, await link(user.id), T)).toBeNull();
    }
  });

  it('is used once; using it voids the user’s other links and no one else’s', async () => {
    const user = await buildStaff(app.db);
    const other = await buildStaff(app.db);
    const [a, b] = [await link(user.id), await link(user.id, T + 1)];
    const theirs = await link(other.id);
    const found = (await findValidReset(app.db, a, T + 10))!;
    expect(await consumeReset(app.db, found.resetId, user.id, T + 10)).toBe(true);
    expect(await consumeReset(app.db, found.resetId, user.id, T + 11)).toBe(false);
    expect(await findValidReset(app.db, a, T + 12)).toBeNull();
    expect(await findValidReset(app.db, b, T + 12)).toBeNull();
    expect((await resetsOf(user.id)).map((r) => r.used_at)).toEqual([T + 10, T + 10]);
    expect((await findValidReset(app.db, theirs, T + 12))?.user.id).toBe(other.id);
    // Voiding keeps the moment of the first use.
    await voidResets(app.db, user.id, T + 99);
    expect((await resetsOf(user.id)).map((r) => r.used_at)).toEqual([T + 10, T + 10]);
  });
});

describe('the per-address mail quota', () => {
  it('allows three mails in an hour from the first; the fourth waits for the end of that hour', async () => {
    const email = 'quota-a@x.test';
    expect(await takeResetQuota(app.db, email, T)).toBe(0);
    expect(await takeResetQuota(app.db, email, T + 50 * 60_000)).toBe(0);
    expect(await takeResetQuota(app.db, email, T + 55 * 60_000)).toBe(0);
    expect(await takeResetQuota(app.db, email, T + 56 * 60_000)).toBe(4 * 60);
    expect(await takeResetQuota(app.db, email, T + 60 * 60_000 - 1500)).toBe(2);
    // The hour is over: a new window, three more.
    expect(await takeResetQuota(app.db, email, T + 60 * 60_000)).toBe(0);
    expect(await takeResetQuota(app.db, email, T + 61 * 60_000)).toBe(0);
    expect(await takeResetQuota(app.db, email, T + 62 * 60_000)).toBe(0);
    expect(await takeResetQuota(app.db, email, T + 63 * 60_000)).toBe(57 * 60);
    // Another address has its own count.
    expect(await takeResetQuota(app.db, 'quota-b@x.test', T + 56 * 60_000)).toBe(0);
  });

  it('a window that ran out unblocked starts over at the next request', async () => {
    const email = 'quota-c@x.test';
    expect(await takeResetQuota(app.db, email, T)).toBe(0);
    expect(await takeResetQuota(app.db, email, T + 10 * 60_000)).toBe(0);
    // Two used, and the hour from the first is over: this one opens a new window of three.
    expect(await takeResetQuota(app.db, email, T + 60 * 60_000)).toBe(0);
    expect(await takeResetQuota(app.db, email, T + 61 * 60_000)).toBe(0);
    expect(await takeResetQuota(app.db, email, T + 62 * 60_000)).toBe(0);
    expect(await takeResetQuota(app.db, email, T + 63 * 60_000)).toBe(57 * 60);
    const row = await app.db.selectFrom('auth_throttle').selectAll().where('key', '=', `reset:${email}`).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ failures: 3, updated_at: T + 60 * 60_000, blocked_until: T + 120 * 60_000 });
  });
});

describe('what people see', () => {
  it('the masked address keeps the first letter and the domain only', () => {
    expect(maskEmail('alice@example.com')).toBe('a***@example.com');
    expect(maskEmail('a@b.test')).toBe('a***@b.test');
    expect(maskEmail('odd@name@example.com')).toBe('o***@example.com');
    expect(maskEmail('@example.com')).toBe('***');
    expect(maskEmail('no-at-sign')).toBe('***');
  });

  it('the password-changed mail names the reset page and says the other sessions were ended', () => {
    expect(passwordChangedMail('https://portal.example', 'ann@x.test')).toEqual({
      to: 'ann@x.test',
      kind: 'password_changed',
      subject: 'Your portal password was changed',
      text:
        'The password of your account was just changed, and your other sessions were signed out.\n' +
        '\n' +
        "If this wasn't you, reset your password now at https://portal.example/forgot-password and contact support at once.",
    });
  });
});
