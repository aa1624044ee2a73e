import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { conflict, notFound } from '../../errors.js';
import { emailChangedMail, findValidEmailChange, INVALID_EMAIL_CHANGE } from '../../auth/email-change.js';
import { voidResets } from '../../auth/password-reset.js';
import { markEmailChangeUsed, voidEmailChanges } from '../../repositories/email-changes.js';
import { findFirmName } from '../../repositories/firm.js';
import { queueMail } from '../../services/mailer.js';
import { lockRow, isUniqueViolation } from '../../../db/dialect.js';
import type { OriginContext } from './origin.js';

/**
 * Confirm a change of address with the link mailed to the new one (the link is the credential;
 * no sign-in needed). In one transaction: the link is used (single use, re-checked after the
 * person's row is locked), every other pending change and every password reset link of the
 * person is voided (one sent to the old address may be in someone else's hands), the address is
 * changed and the old address is told. Sessions stay: the person is the same.
 */
export async function confirmEmailChange(deps: AppDeps, ctx: OriginContext, token: string): Promise<{ email: string }> {
  const now = deps.clock();
  const firmName = (await findFirmName(deps.db)) ?? 'Debrief';
  let result: { email: string };
  try {
    result = await deps.db.transaction().execute(async (trx) => {
      const seen = await findValidEmailChange(trx, token, now);
      if (!seen) throw notFound(INVALID_EMAIL_CHANGE);
      await lockRow(trx, 'users', seen.user.id);
      const found = await findValidEmailChange(trx, token, now);
      if (!found || !(await markEmailChangeUsed(trx, found.change.id, now))) throw notFound(INVALID_EMAIL_CHANGE);
      const { change, user } = found;
      await voidEmailChanges(trx, user.id, now);
      await trx.updateTable('users').set({ email: change.new_email, updated_at: now }).where('id', '=', user.id).execute();
      await voidResets(trx, user.id, now);
      await queueMail(trx, emailChangedMail(firmName, change.old_email, change.new_email), now, !!deps.config.smtpUrl);
      await writeAudit(
        trx,
        { ...ctx.audit, actorId: user.id, actorEmail: change.new_email, clientId: user.client_id },
        { action: 'user.email_changed', outcome: 'success', targetType: 'user', targetId: user.id },
        now,
      );
      return { email: change.new_email };
    });
  } catch (err) {
    // The new address was taken by another account after the change was asked: nothing changes.
    if (isUniqueViolation(err)) throw conflict('This address now belongs to another account, so it could not be confirmed. Ask for a new change.');
    throw err;
  }
  deps.bus.publish('mail.queued', {});
  return result;
}
