import { accountOf } from '../../auth/access.js';
import type { AppDeps } from '../../context.js';
import { writeAudit, type AuditEntry } from '../../audit.js';
import { conflict, mfaRequired, rateLimited, validationFailed } from '../../errors.js';
import type { EnrolConfirmInput, RecoveryCodesResult } from '../../contracts/auth.js';
import { throttleFailure, throttleReset, throttleWait } from '../../auth/rate-limit.js';
import { checkTotp, openTotpSecret } from '../../auth/totp.js';
import { replaceRecoveryCodes } from '../../auth/recovery-codes.js';
import { endSessions, endUserSessions } from '../../auth/revoke.js';
import { issueSession, type IssuedSession } from '../../auth/sign-in.js';
import { activatePendingTotp } from '../../repositories/users.js';
import type { CommandContext } from '../../context.js';

/**
 * Confirm the pending authenticator with a current code: it becomes the active one, with ten new
 * recovery codes (returned to show once). The factor changed, so every session of the person
 * ends (another device may hold the old one) and this browser gets a new, verified session.
 */
export async function confirmMfaEnrolment(
  deps: AppDeps,
  ctx: CommandContext,
  input: EnrolConfirmInput,
): Promise<{ result: RecoveryCodesResult; session: IssuedSession }> {
  const v = ctx.viewer;
  if (!v.session.mfa_verified && v.user.mfa_enrolled) throw mfaRequired();
  const pending = (await accountOf(deps.db, v)).totp_pending_enc;
  if (!pending) throw conflict('Start setting up your authenticator app again.');
  const audit = (entry: AuditEntry) => writeAudit(deps.db, ctx.audit, entry, deps.clock());
  const key = `totp:${v.user.id}`;
  const now = deps.clock();
  const wait = await throttleWait(deps.db, key, now);
  if (wait > 0) {
    await audit({ action: 'mfa.enrolled', outcome: 'denied', details: { reason: 'throttled' } });
    throw rateLimited(wait);
  }
  // A new secret has no used steps yet; the accepted step becomes the first "last used" one.
  const check = checkTotp(openTotpSecret(deps.config, v.user.id, pending), input.code, now, null);
  if (!check.ok) {
    await throttleFailure(deps.db, key, now);
    await audit({ action: 'mfa.enrolled', outcome: 'failure', details: { reason: 'wrong_code' } });
    const message = 'That code is not valid. Check that your phone’s clock is right and enter the current code.';
    throw validationFailed(`code: ${message}`, [{ path: 'code', message }]);
  }
  await throttleReset(deps.db, key);
  const firstSignIn = !v.session.mfa_verified;
  const recoveryCodes = await deps.db.transaction().execute(async (trx) => {
    if (!(await activatePendingTotp(trx, v.user.id, pending, check.step, now, firstSignIn))) throw conflict('Start setting up your authenticator app again.');
    const codes = await replaceRecoveryCodes(trx, v.user.id, now);
    await writeAudit(
      trx,
      ctx.audit,
      { action: 'mfa.enrolled', outcome: 'success', targetType: 'user', targetId: v.user.id, details: { replaced: v.user.mfa_enrolled } },
      now,
    );
    return codes;
  });
  // Other devices are told they were signed out elsewhere; this browser's session is replaced below.
  await endUserSessions(deps, v.user.id, 'signed_out_elsewhere', v.session.id);
  await endSessions(deps, [v.session.id], null);
  const session = await issueSession(deps, v.user, true, ctx.audit);
  return { result: { recoveryCodes }, session };
}
