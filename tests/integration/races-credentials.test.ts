import { describe, expect, it } from 'vitest';
import { consumeReset, findValidReset, insertReset, newResetToken } from '../../server/auth/password-reset.js';
import { consumeRecoveryCode, replaceRecoveryCodes } from '../../server/auth/recovery-codes.js';
import { checkUserTotp } from '../../server/commands/account/verify-mfa.js';
import { claimServer, type FirstAdmin } from '../../server/commands/account/set-up-firm.js';
import { findUser, setPasswordHash } from '../../server/repositories/users.js';
import { appOn, DATABASES } from '../support/app.js';
import { buildPortalUser, buildStaff } from '../support/factories.js';
import { interleave, type Trx } from '../support/interleave.js';
import { enrolTotp, totpCode } from '../support/totp.js';

/**
 * Single-use secrets under two requests at once (issue 13, point 7): a password-reset link, a
 * recovery code, a TOTP step and the first-run setup code each work once. Each test runs the
 * step that checks and consumes the secret in two transactions, the first held open after its
 * write while the second runs (tests/support/interleave.ts), so the interleaving is the same every
 * time: on SQLite the second waits for the first, on PostgreSQL it runs against the first's
 * uncommitted write and must lose cleanly. The setup test failed on PostgreSQL before its fix (two
 * first admins); the other three already held there — each consumes with a conditional UPDATE
 * (`… where used_at is null`, `… where totp_last_step < step`) whose row count decides, which
 * PostgreSQL re-checks on the committed row — and stay as guards (each fails when its condition
 * is dropped).
 */
describe.each(DATABASES)('single-use secrets, two at once on %s', (name) => {
  const on = appOn(name);

  it('a password-reset link confirmed twice at once sets one password', async () => {
    const user = await buildPortalUser(on.app.db);
    const { token, tokenHash } = newResetToken();
    const now = on.app.clock();
    await insertReset(on.app.db, user.id, tokenHash, now);
    // Both requests found the link valid before either used it (resetPassword checks before its transaction).
    const { resetId } = (await findValidReset(on.app.db, token, now))!;
    const confirm = (hash: string) => async (trx: Trx) => {
      if (!(await consumeReset(trx, resetId, user.id, now))) return false;
      await setPasswordHash(trx, user.id, hash, now);
      return true;
    };
    const [first, second] = await interleave(on.app.db, confirm('hash-of-the-first'), confirm('hash-of-the-second'));
    expect(first).toBe(true);
    expect(second).toEqual({ status: 'fulfilled', value: false });
    expect((await findUser(on.app.db, user.id))?.password_hash).toBe('hash-of-the-first');
    expect(await findValidReset(on.app.db, token, now)).toBeNull();
  });

  it('a recovery code used twice at once completes one sign-in', async () => {
    const user = await buildPortalUser(on.app.db);
    const now = on.app.clock();
    const [code] = await replaceRecoveryCodes(on.app.db, user.id, now);
    const use = (trx: Trx) => consumeRecoveryCode(trx, user.id, code!, now);
    const [first, second] = await interleave(on.app.db, use, use);
    expect(first).toBe(true);
    expect(second).toEqual({ status: 'fulfilled', value: false });
    const unused = await on.app.db.selectFrom('recovery_codes').select('id').where('user_id', '=', user.id).where('used_at', 'is', null).execute();
    expect(unused).toHaveLength(9);
  });

  it('one TOTP code sent twice at once completes one sign-in; the other is a replay', async () => {
    const user = await buildStaff(on.app.db);
    const secret = await enrolTotp(on.app, user);
    const now = on.app.clock();
    const code = totpCode(secret, now);
    // Each request reads the user (its last step) and claims the code's step, as verifyMfa does.
    const verify = async (trx: Trx) => checkUserTotp({ db: trx, config: on.app.config }, (await findUser(trx, user.id))!, code, now);
    const [first, second] = await interleave(on.app.db, verify, verify);
    expect(first.ok).toBe(true);
    expect(second).toEqual({ status: 'fulfilled', value: { ok: false, reason: 'replay' } });
  });
});

describe.each(DATABASES)('first-run setup, two at once on %s', (name) => {
  const on = appOn(name);

  it('two setups with the code at once create one firm admin; the second is refused', async () => {
    const audit = { actorId: null, actorEmail: null, ip: '127.0.0.1', userAgent: 'test' };
    const admin = (who: string): FirstAdmin => ({
      id: `admin-${who}`,
      firmName: `Firm ${who}`,
      name: who,
      email: `${who}@firm.test`,
      passwordHash: `hash-${who}`,
    });
    const now = on.app.clock();
    const [first, second] = await interleave(
      on.app.db,
      (trx) => claimServer(trx, admin('first'), audit, now),
      (trx) => claimServer(trx, admin('second'), audit, now),
    );
    expect(first.email).toBe('first@firm.test');
    expect(second.status).toBe('rejected');
    expect((second as PromiseRejectedResult).reason).toMatchObject({ status: 404 });
    const staff = await on.app.db.selectFrom('users').select('email').where('kind', '=', 'staff').execute();
    expect(staff).toEqual([{ email: 'first@firm.test' }]);
    expect(await on.app.db.selectFrom('firm').select('name').execute()).toEqual([{ name: 'Firm first' }]);
  });
});
