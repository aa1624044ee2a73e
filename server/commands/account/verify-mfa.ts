import { accountOf, clientOf } from '../../auth/access.js';
import { passkeysOnly } from '../../auth/passkeys.js';
import { findFirm } from '../../repositories/firm.js';
import type { UserRow } from '../../../db/schema.js';
import type { AppDeps } from '../../context.js';
import { writeAudit, type AuditEntry } from '../../audit.js';
import { conflict, forbidden, rateLimited, unauthenticated } from '../../errors.js';
import type { MfaInput, MfaResult } from '../../contracts/auth.js';
import { throttleFailure, throttleReset, throttleWait } from '../../auth/rate-limit.js';
import { checkTotp, claimTotpStep, openTotpSecret, type TotpCheck } from '../../auth/totp.js';
import { consumeRecoveryCode, recoveryCodesLeft } from '../../auth/recovery-codes.js';
import { endSessions } from '../../auth/revoke.js';
import { issueSession, type IssuedSession } from '../../auth/sign-in.js';
import { markSignedIn } from '../../repositories/users.js';
import type { CommandContext } from '../../context.js';
import type { AuthFactor } from '../../contracts/audit-actions.js';

/** Check a TOTP code against the user's active secret and claim its step (single use). */
export async function checkUserTotp(deps: Pick<AppDeps, 'db' | 'config'>, user: UserRow, code: string, now: number): Promise<TotpCheck> {
  const secret = openTotpSecret(deps.config, user.id, user.totp_secret_enc!);
  const check = checkTotp(secret, code, now, user.totp_last_step);
  if (check.ok && !(await claimTotpStep(deps.db, user.id, check.step))) return { ok: false, reason: 'replay' };
  return check;
}

/**
 * The second factor of a sign-in: a TOTP code (each step once) or a recovery code (each once).
 * The half-verified session ends and a verified one is issued in its place.
 */
export async function verifyMfa(deps: AppDeps, ctx: CommandContext, input: MfaInput): Promise<{ result: MfaResult; session: IssuedSession }> {
  const v = ctx.viewer;
  if (v.session.mfa_verified) throw conflict('Two-factor authentication is already complete for this session.');
  if (!v.user.mfa_enrolled) throw conflict('Set up an authenticator app first.');
  if (v.session.passkey_owed) throw conflict('Your second factor is done: add a passkey to finish signing in.');
  const audit = (entry: AuditEntry) => writeAudit(deps.db, ctx.audit, { ...entry, targetType: 'user', targetId: v.user.id }, deps.clock());
  const factor: AuthFactor = input.code !== undefined ? 'totp' : 'recovery_code';
  // Per user, not per session: signing in again does not buy more guesses.
  const key = `totp:${v.user.id}`;
  const now = deps.clock();
  // The passkeys-only policy: a person who has a passkey must use it (or a recovery code); one
  // without proves their app or a code, then owes a passkey before the session is verified.
  const only = passkeysOnly(v.user.kind, await findFirm(deps.db), await clientOf(deps.db, v.user));
  if (only && factor === 'totp' && v.user.passkey_count > 0) {
    await audit({ action: 'auth.mfa', outcome: 'denied', details: { factor, reason: 'passkey_required' } });
    throw forbidden('Use your passkey: your organisation requires one to sign in.');
  }
  const owed = only && v.user.passkey_count === 0;
  const wait = await throttleWait(deps.db, key, now);
  if (wait > 0) {
    await audit({ action: 'auth.mfa', outcome: 'denied', details: { factor, reason: 'throttled' } });
    throw rateLimited(wait);
  }
  const check: TotpCheck =
    input.code !== undefined
      ? await checkUserTotp(deps, await accountOf(deps.db, v), input.code, now)
      : (await consumeRecoveryCode(deps.db, v.user.id, input.recoveryCode!, now))
        ? { ok: true, step: -1 }
        : { ok: false, reason: 'invalid' };
  if (!check.ok) {
    await throttleFailure(deps.db, key, now);
    const replay = check.reason === 'replay';
    await audit({ action: 'auth.mfa', outcome: replay ? 'denied' : 'failure', details: { factor, reason: replay ? 'mfa_replay' : 'wrong_code' } });
    throw unauthenticated(replay ? 'That code was already used. Wait for the next one.' : 'That code is not valid.');
  }
  await throttleReset(deps.db, key);
  await endSessions(deps, [v.session.id], null);
  const session = await issueSession(deps, v.user, !owed, ctx.audit, owed);
  if (!owed) await markSignedIn(deps.db, v.user.id, deps.clock());
  const left = factor === 'recovery_code' ? await recoveryCodesLeft(deps.db, v.user.id) : null;
  await audit({
    action: 'auth.mfa',
    outcome: 'success',
    details: { factor, ...(left === null ? {} : { recoveryCodesLeft: left }), ...(owed && { passkeyOwed: true }) },
  });
  return { result: { recoveryCodesLeft: left, passkeyOwed: owed }, session };
}
