import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { auditText } from '../../audit-text.js';
import { rateLimited } from '../../errors.js';
import { insertReset, newResetToken, takeResetQuota } from '../../auth/password-reset.js';
import { queueMail } from '../../services/mailer.js';
import { findUserByEmail } from '../../repositories/users.js';
import { findFirm } from '../../repositories/firm.js';
import { ssoOnlyRefuses } from '../../auth/sso.js';
import { findFirmName } from '../../repositories/firm.js';
import type { OriginContext } from './origin.js';

/**
 * Ask for a reset link. The same work happens for every address (look up, make and hash a token,
 * one short transaction), and the caller answers the same way, so nothing says whether the
 * address has an account; only an active account with a password gets a mail.
 */
export async function requestPasswordReset(deps: AppDeps, ctx: OriginContext, email: string): Promise<void> {
  const wait = await takeResetQuota(deps.db, email, deps.clock());
  if (wait > 0) throw rateLimited(wait, 'Too many reset requests for this address. Please wait and try again.');

  const now = deps.clock();
  const user = await findUserByEmail(deps.db, email);
  const firmName = await findFirmName(deps.db);
  const { token, tokenHash } = newResetToken();
  const eligible = !!user && user.status === 'active' && !!user.password_hash && !ssoOnlyRefuses(user, await findFirm(deps.db));
  // Whoever asked is anonymous; the account the address names (if any) is the target.
  const audit = { ...ctx.audit, actorId: null, actorEmail: auditText(email), actorKind: 'anonymous' as const, clientId: user?.client_id ?? null };
  await deps.db.transaction().execute(async (trx) => {
    if (eligible) {
      await insertReset(trx, user.id, tokenHash, now);
      await queueMail(trx, resetMail(deps.config.publicUrl, firmName ?? 'Debrief', email, token), now, !!deps.config.smtpUrl);
    }
    await writeAudit(
      trx,
      audit,
      {
        action: 'password.reset_requested',
        outcome: eligible ? 'success' : 'failure',
        ...(user && { targetType: 'user', targetId: user.id }),
        details: eligible ? undefined : { reason: user ? 'not_eligible' : 'unknown_account' },
      },
      now,
    );
  });
  if (eligible) deps.bus.publish('mail.queued', {});
}

function resetMail(publicUrl: string, firmName: string, to: string, token: string) {
  return {
    to,
    kind: 'password_reset',
    subject: `Reset your ${firmName} portal password`,
    text: [
      'Someone (hopefully you) asked to reset the password of your account.',
      '',
      `Choose a new password here: ${publicUrl}/reset-password/${token}`,
      '',
      'The link works once and expires in 30 minutes. After the reset you sign in with the new',
      'password and, if you use one, your authenticator app.',
      '',
      "If you didn't ask for this, ignore this mail: your password stays as it is.",
    ].join('\n'),
  };
}
