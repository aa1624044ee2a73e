import { dictionary } from '@zxcvbn-ts/language-common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { PASSWORD_COMMON_LIST, PASSWORD_HINT, passwordHintInvited, PASSWORD_MAX, PASSWORD_MIN } from '../../server/contracts/constants.js';
import * as enforced from '../../server/auth/password.js';

/**
 * Password hints that state the real rules (issue 18, point 19): every password field's hint is
 * built from the very constants the server's check reads, and the server's refusal of a password
 * one character short says the rule the hint states.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

describe('the password hint', () => {
  it('is built from the limits the server enforces', () => {
    expect(enforced.PASSWORD_MIN).toBe(PASSWORD_MIN);
    expect(enforced.PASSWORD_MAX).toBe(PASSWORD_MAX);
    for (const hint of [PASSWORD_HINT, passwordHintInvited('Acme Security')]) {
      expect(hint).toContain(`Use ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`);
      expect(hint).toContain(`${PASSWORD_COMMON_LIST} most common passwords`);
      expect(hint).toMatch(/^[A-Z].*\.$/);
    }
    expect(passwordHintInvited('Acme Security')).toContain("your organisation's name or Acme Security.");
    // The count the hint names is the size of the list the server refuses, rounded down to thousands.
    expect(Number(PASSWORD_COMMON_LIST.replace(',', ''))).toBe(Math.floor(dictionary.passwords.length / 1000) * 1000);
  });

  it('each rule the hint names is one the server applies, at its edges', () => {
    const ok = 'qz7!xk2w';
    expect(enforced.passwordProblem('q'.repeat(PASSWORD_MIN - 1))).toBe(`Use at least ${PASSWORD_MIN} characters.`);
    expect(enforced.passwordProblem(ok.padEnd(PASSWORD_MIN, 'x'))).toBeNull();
    expect(enforced.passwordProblem('q'.repeat(PASSWORD_MAX))).toBeNull();
    expect(enforced.passwordProblem('q'.repeat(PASSWORD_MAX + 1))).toBe(`Use at most ${PASSWORD_MAX} characters.`);
    // "spaces and symbols count": a passphrase of spaces and symbols is as good as any.
    expect(enforced.passwordProblem('a b c d !')).toBeNull();
    expect(enforced.passwordProblem(dictionary.passwords.find((p) => p.length >= PASSWORD_MIN)!)).toMatch(/too common/);
  });
});

describe('a new password one character short, over HTTP', () => {
  it('is refused with the rule in a sentence, and nothing changes', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const res = await agent.post('/api/profile/password', { currentPassword: PASSWORD, newPassword: 'k'.repeat(PASSWORD_MIN - 1) });
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual([{ path: 'newPassword', message: `Use at least ${PASSWORD_MIN} characters.` }]);
    expect(res.body.error.message).toMatch(/^[A-Z].*[.!?]$/);
    const row = await app.db.selectFrom('users').select('password_hash').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.password_hash).toBe(user.password_hash);
  });
});
