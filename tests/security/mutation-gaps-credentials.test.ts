import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, PASSWORD } from '../support/factories.js';
import { Agent } from '../support/http.js';
import {
  consumeRecoveryCode,
  newRecoveryCode,
  normaliseRecoveryCode,
  RECOVERY_CODE_COUNT,
  recoveryCodesLeft,
  replaceRecoveryCodes,
} from '../../server/auth/recovery-codes.js';
import { hashPassword, PASSWORD_MAX, PASSWORD_MIN, passwordProblem, verifyDummyPassword, verifyPassword } from '../../server/auth/password.js';
import { hashSecret, hashSecretHex, randomToken, secretMatches } from '../../server/auth/tokens.js';
import { mfaStepFor } from '../../server/auth/sign-in.js';

/**
 * The smaller credential rules, exactly (server/auth/recovery-codes.ts, password.ts, tokens.ts,
 * sign-in.ts): recovery codes (format, any typing style, once each, per user, replaced as a set),
 * the new-password rules and their messages, Unicode-normalised password checks, the random tokens
 * and their hashes, which second-factor step a person owes, and the cookie lifetime at sign-in.
 */

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(() => app.close());

const T = 1_800_000_000_000;

describe('recovery codes', () => {
  it('are ten different codes of six groups of four base32 characters, stored only as hashes of their plain form', async () => {
    const user = await buildStaff(app.db);
    const codes = await replaceRecoveryCodes(app.db, user.id, T);
    expect(RECOVERY_CODE_COUNT).toBe(10);
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){5}$/);
    expect(newRecoveryCode()).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){5}$/);
    const rows = await app.db.selectFrom('recovery_codes').selectAll().where('user_id', '=', user.id).execute();
    expect(rows.map((r) => r.code_hash).sort()).toEqual(codes.map((c) => hashSecretHex(c.replaceAll('-', ''))).sort());
    expect(rows.every((r) => r.used_at === null && r.created_at === T)).toBe(true);
    expect(await recoveryCodesLeft(app.db, user.id)).toBe(10);
  });

  it('are accepted however they are typed (case, spaces, dashes), each once, for their own user only', async () => {
    const user = await buildStaff(app.db);
    const other = await buildStaff(app.db);
    const codes = await replaceRecoveryCodes(app.db, user.id, T);
    await replaceRecoveryCodes(app.db, other.id, T);
    const plain = codes[0]!.replaceAll('-', '');
    expect(await consumeRecoveryCode(app.db, other.id, codes[0]!, T)).toBe(false);
    expect(await consumeRecoveryCode(app.db, user.id, `  ${codes[0]!.toUpperCase().replaceAll('-', ' ')}\t`, T + 1)).toBe(true);
    expect(await consumeRecoveryCode(app.db, user.id, plain, T + 2)).toBe(false);
    expect(await consumeRecoveryCode(app.db, user.id, codes[1]!.replaceAll('-', '--'), T + 3)).toBe(true);
    expect(await consumeRecoveryCode(app.db, user.id, codes[2]!, T + 4)).toBe(true);
    expect(await recoveryCodesLeft(app.db, user.id)).toBe(7);
    expect(await recoveryCodesLeft(app.db, other.id)).toBe(10);
    const used = await app.db
      .selectFrom('recovery_codes')
      .select('used_at')
      .where('user_id', '=', user.id)
      .where('used_at', 'is not', null)
      .orderBy('used_at')
      .execute();
    expect(used.map((r) => r.used_at)).toEqual([T + 1, T + 3, T + 4]);
  });

  it('refuses anything that is not 24 base32 characters once spaces and dashes are gone', async () => {
    const user = await buildStaff(app.db);
    const [code] = await replaceRecoveryCodes(app.db, user.id, T);
    for (const bad of [code!.slice(0, -1), `${code}a`, code!.replace(/[a-z2-7]$/, '1'), '', `x${code}`]) {
      expect(await consumeRecoveryCode(app.db, user.id, bad, T), bad).toBe(false);
    }
    expect(normaliseRecoveryCode(' AB-cd  EF--gh ')).toBe('abcdefgh');
    expect(await consumeRecoveryCode(app.db, user.id, code!, T)).toBe(true);
  });

  it('are replaced as a set: the old ones stop working, and another user’s are untouched', async () => {
    const user = await buildStaff(app.db);
    const other = await buildStaff(app.db);
    const old = await replaceRecoveryCodes(app.db, user.id, T);
    const theirs = await replaceRecoveryCodes(app.db, other.id, T);
    const fresh = await replaceRecoveryCodes(app.db, user.id, T + 1);
    expect(await consumeRecoveryCode(app.db, user.id, old[0]!, T + 2)).toBe(false);
    expect(await recoveryCodesLeft(app.db, user.id)).toBe(10);
    expect(await consumeRecoveryCode(app.db, user.id, fresh[0]!, T + 2)).toBe(true);
    expect(await consumeRecoveryCode(app.db, other.id, theirs[0]!, T + 2)).toBe(true);
  });
});

describe('new passwords', () => {
  it('count characters (not bytes) from 8 to 256, with the exact messages', () => {
    expect(PASSWORD_MIN).toBe(8);
    expect(PASSWORD_MAX).toBe(256);
    expect(passwordProblem('qz7!xk2')).toBe('Use at least 8 characters.');
    expect(passwordProblem('qz7!xk2w')).toBeNull();
    expect(passwordProblem('😀😀😀😀😀😀😀')).toBe('Use at least 8 characters.'); // 7 characters, 14 UTF-16 units
    expect(passwordProblem('😀😀😀😀😀😀😀😀')).toBeNull();
    expect(passwordProblem('q'.repeat(256))).toBeNull();
    expect(passwordProblem('q'.repeat(257))).toBe('Use at most 256 characters.');
    expect(passwordProblem('😀'.repeat(200))).toBeNull(); // 400 UTF-16 units, 200 characters
  });

  it('refuse the common ones whatever their case', () => {
    const msg = 'This password is too common. Choose one that is harder to guess.';
    expect(passwordProblem('password1')).toBe(msg);
    expect(passwordProblem('PassWord1')).toBe(msg);
    expect(passwordProblem('QWERTYUIOP')).toBe(msg);
    expect(passwordProblem(PASSWORD)).toBeNull();
  });

  it('are checked after Unicode normalisation (NFKC), and a malformed stored hash is a mismatch, not an error', async () => {
    const hash = await hashPassword('ﬁsh and chips forever');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'fish and chips forever')).toBe(true);
    expect(await verifyPassword(hash, 'fish and chips forevex')).toBe(false);
    expect(await verifyPassword('not a hash', 'fish and chips forever')).toBe(false);
    expect(await verifyDummyPassword('dummy-password-for-timing-equalisation')).toBe(false);
  });

  it('with no account, still spend a real argon2 verification (not an instant "no")', async () => {
    await verifyDummyPassword('warm up: the dummy hash is made once');
    const started = performance.now();
    expect(await verifyDummyPassword('any password at all')).toBe(false);
    // argon2id at m=19456 KiB, t=2 takes tens of milliseconds; a refusal without hashing takes well under one.
    expect(performance.now() - started).toBeGreaterThan(5);
  });
});

describe('random tokens and their hashes', () => {
  it('carry the asked number of random bytes in lower-case base32 (20 by default)', () => {
    expect(randomToken()).toMatch(/^[a-z2-7]{32}$/);
    expect(randomToken(15)).toMatch(/^[a-z2-7]{24}$/);
    expect(randomToken()).not.toBe(randomToken());
  });

  it('hash with SHA-256 and compare only equal secrets', () => {
    expect(hashSecretHex('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(Buffer.from(hashSecret('abc')).toString('hex')).toBe(hashSecretHex('abc'));
    expect(secretMatches('abc', hashSecret('abc'))).toBe(true);
    expect(secretMatches('abd', hashSecret('abc'))).toBe(false);
    expect(secretMatches('abc', hashSecret('abc').subarray(0, 16))).toBe(false);
  });
});

describe('signing in', () => {
  it('owes verify with an authenticator; enrol for portal users without one, and for staff when the firm requires it', () => {
    const firmOn = { mfa_required_for_staff: 1 };
    const firmOff = { mfa_required_for_staff: 0 };
    expect(mfaStepFor('staff', true, firmOff)).toBe('verify');
    expect(mfaStepFor('portal', true, firmOff)).toBe('verify');
    expect(mfaStepFor('portal', false, firmOff)).toBe('enrol');
    expect(mfaStepFor('portal', false, undefined)).toBe('enrol');
    expect(mfaStepFor('staff', false, firmOn)).toBe('enrol');
    expect(mfaStepFor('staff', false, firmOff)).toBeNull();
    expect(mfaStepFor('staff', false, undefined)).toBeNull();
  });

  it('sets the cookie for the lifetime that applies to the person (their client’s override), and records address and browser', async () => {
    await buildFirm(app.db);
    const client = await buildClient(app.db, { session_absolute_hours: 2 });
    const portal = await buildPortalUser(app.db, { client_id: client.id });
    const staff = await buildStaff(app.db);
    const agent = new Agent(app.url);
    const res = await agent.post('/api/auth/login', { email: portal.email, password: PASSWORD }, { 'user-agent': 'TestBrowser/1.0' });
    expect(res.status).toBe(200);
    expect(res.headers.getSetCookie()[0]).toMatch(/^debrief_session=[a-z2-7]+\.[a-z2-7]+; Path=\/; HttpOnly; SameSite=Lax; Max-Age=7200$/);
    const id = agent.cookie!.split('=')[1]!.split('.')[0]!;
    const row = await app.db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ user_id: portal.id, mfa_verified: 0, user_agent: 'TestBrowser/1.0' });
    expect(row.ip).toMatch(/127\.0\.0\.1$/);
    expect(row.expires_at - row.created_at).toBe(2 * 3_600_000);
    const staffRes = await new Agent(app.url).post('/api/auth/login', { email: staff.email, password: PASSWORD });
    expect(staffRes.headers.getSetCookie()[0]).toMatch(new RegExp(`Max-Age=${app.config.sessionAbsoluteMs / 1000}$`));
    expect(staffRes.body).toEqual({ mfaStep: null, mfaMethods: [] });
  });
});
