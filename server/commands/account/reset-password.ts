import type { AppDeps } from '../../context.js';
import { deferredBus } from '../../events/bus.js';
import { writeAudit } from '../../audit.js';
import { notFound, validationFailed } from '../../errors.js';
import { RESET_LINK_INVALID_MESSAGE, type PasswordResetConfirmInput } from '../../contracts/profile.js';
import { hashPassword, passwordProblem } from '../../auth/password.js';
import { consumeReset, findValidReset, passwordChangedMail } from '../../auth/password-reset.js';
import { endUserSessions } from '../../auth/revoke.js';
import { queueMail } from '../../services/mailer.js';
import { setPasswordHash } from '../../repositories/users.js';
import { transact } from '../../../db/dialect.js';
import type { OriginContext } from './origin.js';

const invalidLink = () => notFound(RESET_LINK_INVALID_MESSAGE);

/**
 * Set a new password with a reset link: the link is used up, every session of the person ends and
 * they are told by mail. It does NOT sign in: the person signs in with the new password and then
 * their second factor, so a mailbox alone never gets past MFA.
 */
export async function resetPassword(deps: AppDeps, ctx: OriginContext, input: PasswordResetConfirmInput): Promise<void> {
  const found = await findValidReset(deps.db, input.token, deps.clock());
  if (!found) throw invalidLink();
  const problem = passwordProblem(input.password);
  if (problem) throw validationFailed(`password: ${problem}`, [{ path: 'password', message: problem }]);
  const passwordHash = await hashPassword(input.password);

  const { user, resetId } = found;
  const now = deps.clock();
  let deferred = deferredBus(deps.bus);
  // Two links of one person confirmed at once lock the same rows; if PostgreSQL still aborts one
  // as a deadlock, it runs again (transact) with a fresh set of deferred events.
  await transact(deps.db, async (trx) => {
    deferred = deferredBus(deps.bus);
    // Re-checked inside the transaction: of two racing confirms, only one changes anything.
    if (!(await consumeReset(trx, resetId, user.id, now))) throw invalidLink();
    await setPasswordHash(trx, user.id, passwordHash, now);
    await endUserSessions({ db: trx, bus: deferred.bus, clock: deps.clock }, user.id, 'password_changed');
    await queueMail(trx, passwordChangedMail(deps.config.publicUrl, user.email), now, !!deps.config.smtpUrl);
    await writeAudit(
      trx,
      { ...ctx.audit, actorId: user.id, actorEmail: user.email, clientId: user.client_id },
      { action: 'password.reset', outcome: 'success', targetType: 'user', targetId: user.id },
      now,
    );
  });
  deferred.flush();
  deps.bus.publish('mail.queued', {});
}
