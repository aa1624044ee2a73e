import { accountOf } from '../../auth/access.js';
import type { AppDeps } from '../../context.js';
import { deferredBus } from '../../events/bus.js';
import { writeAudit } from '../../audit.js';
import { rateLimited, validationFailed } from '../../errors.js';
import type { PasswordChangeInput } from '../../contracts/profile.js';
import { hashPassword, passwordProblem, verifyDummyPassword, verifyPassword } from '../../auth/password.js';
import { throttleFailure, throttleReset, throttleWait } from '../../auth/rate-limit.js';
import { passwordChangedMail, voidResets } from '../../auth/password-reset.js';
import { endUserSessions } from '../../auth/revoke.js';
import { deleteSession } from '../../auth/session.js';
import { issueSession, type IssuedSession } from '../../auth/sign-in.js';
import { queueMail } from '../../services/mailer.js';
import { setPasswordHash } from '../../repositories/users.js';
import type { CommandContext } from '../../context.js';

/**
 * Change one's own password, proving the current one (throttled per account, so a stolen session
 * cannot guess it quickly). Every other session ends, pending reset links are voided, the person
 * is told by mail, and this browser's session is replaced by a fresh one (returned). The replaced
 * session no longer exists; the caller ends its live connections (`sessions.ended`) once the new
 * token is on its way to the browser, so the page never hears "session ended" before it has it.
 */
export async function changePassword(deps: AppDeps, ctx: CommandContext, input: PasswordChangeInput): Promise<{ session: IssuedSession; replaced: string }> {
  const v = ctx.viewer;
  const key = `password:${v.user.id}`;
  const wait = await throttleWait(deps.db, key, deps.clock());
  if (wait > 0) throw rateLimited(wait);
  const { password_hash } = await accountOf(deps.db, v);
  const ok = password_hash ? await verifyPassword(password_hash, input.currentPassword) : await verifyDummyPassword(input.currentPassword);
  if (!ok) {
    await throttleFailure(deps.db, key, deps.clock());
    await writeAudit(
      deps.db,
      ctx.audit,
      { action: 'password.changed', outcome: 'failure', targetType: 'user', targetId: v.user.id, details: { reason: 'wrong_current_password' } },
      deps.clock(),
    );
    const message = 'The current password is not correct.';
    throw validationFailed(`currentPassword: ${message}`, [{ path: 'currentPassword', message }]);
  }
  await throttleReset(deps.db, key);
  const problem = passwordProblem(input.newPassword);
  if (problem) throw validationFailed(`newPassword: ${problem}`, [{ path: 'newPassword', message: problem }]);
  const passwordHash = await hashPassword(input.newPassword);

  const now = deps.clock();
  const deferred = deferredBus(deps.bus);
  await deps.db.transaction().execute(async (trx) => {
    await setPasswordHash(trx, v.user.id, passwordHash, now);
    await endUserSessions({ db: trx, bus: deferred.bus, clock: deps.clock }, v.user.id, 'password_changed', v.session.id);
    await voidResets(trx, v.user.id, now);
    await queueMail(trx, passwordChangedMail(deps.config.publicUrl, v.user.email), now, !!deps.config.smtpUrl);
    await writeAudit(trx, ctx.audit, { action: 'password.changed', outcome: 'success', targetType: 'user', targetId: v.user.id }, now);
  });
  deferred.flush();
  deps.bus.publish('mail.queued', {});
  // A privilege-relevant change: this browser gets a fresh token and the old one stops working.
  const session = await issueSession(deps, v.user, v.session.mfa_verified === 1, ctx.audit);
  await deleteSession(deps.db, v.session.id);
  return { session, replaced: v.session.id };
}
