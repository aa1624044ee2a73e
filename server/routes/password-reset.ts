import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { deferredBus } from '../events/bus.js';
import { auditContextOf } from '../context.js';
import { writeAudit } from '../audit.js';
import { notFound, rateLimited, validationFailed } from '../errors.js';
import { parseInput } from '../validate.js';
import { hashPassword, passwordProblem } from '../auth/password.js';
import { tokenBucket } from '../auth/rate-limit.js';
import { endUserSessions } from '../auth/revoke.js';
import { queueMail } from '../services/mailer.js';
import {
  PasswordResetConfirmInput,
  PasswordResetRequestInput,
  RESET_LINK_INVALID_MESSAGE,
  RESET_REQUESTED_MESSAGE,
  type ResetLinkDTO,
} from '../contracts/profile.js';
import { consumeReset, findValidReset, insertReset, maskEmail, newResetToken, passwordChangedMail, takeResetQuota } from '../auth/password-reset.js';

/**
 * Forgotten password, for people who are not signed in. The request answers the same way (status,
 * body and, within a few ms, time) whether or not the address has an account. Confirming sets
 * the password and ends every session, and does NOT sign in: the person signs in with the new
 * password and then their second factor, so a mailbox alone never gets past MFA.
 */
export function passwordResetRouter(deps: AppDeps): Router {
  const r = Router();
  // Per address: 10 at once, then one a minute. Per-email limits are in takeResetQuota.
  const perIp = tokenBucket(10, 1 / 60, deps.clock);
  const invalidLink = () => notFound(RESET_LINK_INVALID_MESSAGE);

  r.post('/auth/password-reset', async (req, res) => {
    const ip = perIp.take(req.ip ?? 'unknown');
    if (!ip.ok) throw rateLimited(ip.retryAfterSeconds, 'Too many requests from your network. Please wait and try again.');
    const { email } = parseInput(PasswordResetRequestInput, req.body);
    const wait = await takeResetQuota(deps.db, email, deps.clock());
    if (wait > 0) throw rateLimited(wait, 'Too many reset requests for this address. Please wait and try again.');

    // The same work for every address: look up, make and hash a token, one short transaction.
    const now = deps.clock();
    const user = await deps.db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
    const firm = await deps.db.selectFrom('firm').select('name').executeTakeFirst();
    const { token, tokenHash } = newResetToken();
    const eligible = !!user && user.status === 'active' && !!user.password_hash;
    const ctx = { ...auditContextOf(req), actorId: user?.id ?? null, actorEmail: email, clientId: user?.client_id ?? null };
    await deps.db.transaction().execute(async (trx) => {
      if (eligible) {
        await insertReset(trx, user.id, tokenHash, now);
        await queueMail(trx, resetMail(deps.config.publicUrl, firm?.name ?? 'Debrief', email, token), now, !!deps.config.smtpUrl);
      }
      await writeAudit(trx, ctx, { action: 'password.reset_requested', outcome: eligible ? 'success' : 'failure', details: eligible ? undefined : { reason: user ? 'not_eligible' : 'unknown_account' } }, now);
    });
    if (eligible) deps.bus.publish('mail.queued', {});
    res.status(202).json({ message: RESET_REQUESTED_MESSAGE });
  });

  r.get('/auth/password-reset/:token', async (req, res) => {
    const found = await findValidReset(deps.db, req.params.token, deps.clock());
    if (!found) throw invalidLink();
    const body: ResetLinkDTO = { email: maskEmail(found.user.email) };
    res.json(body);
  });

  r.post('/auth/password-reset/confirm', async (req, res) => {
    const input = parseInput(PasswordResetConfirmInput, req.body);
    const found = await findValidReset(deps.db, input.token, deps.clock());
    if (!found) throw invalidLink();
    const problem = passwordProblem(input.password);
    if (problem) throw validationFailed(`password: ${problem}`, [{ path: 'password', message: problem }]);
    const passwordHash = await hashPassword(input.password);

    const { user, resetId } = found;
    const now = deps.clock();
    const deferred = deferredBus(deps.bus);
    await deps.db.transaction().execute(async (trx) => {
      // Re-checked inside the transaction: of two racing confirms, only one changes anything.
      if (!(await consumeReset(trx, resetId, user.id, now))) throw invalidLink();
      await trx.updateTable('users').set({ password_hash: passwordHash, updated_at: now }).where('id', '=', user.id).execute();
      await endUserSessions({ db: trx, bus: deferred.bus }, user.id, 'password_reset');
      await queueMail(trx, passwordChangedMail(deps.config.publicUrl, user.email), now, !!deps.config.smtpUrl);
      await writeAudit(trx, { ...auditContextOf(req), actorId: user.id, actorEmail: user.email, clientId: user.client_id }, { action: 'password.reset', outcome: 'success', targetType: 'user', targetId: user.id }, now);
    });
    deferred.flush();
    deps.bus.publish('mail.queued', {});
    res.status(204).end();
  });

  return r;
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
