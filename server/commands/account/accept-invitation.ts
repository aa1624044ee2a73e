import type { UserRow } from '../../../db/schema.js';
import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { forbidden, notFound, validationFailed } from '../../errors.js';
import { ssoOnlyRefuses } from '../../auth/sso.js';
import type { AcceptInvitationInput, AcceptInvitationResult } from '../../contracts/users.js';
import { consumeInvitation, contextualPasswordProblem, findValidInvitation, INVALID_INVITATION } from '../../auth/invitations.js';
import { hashPassword, passwordProblem } from '../../auth/password.js';
import { deleteSession } from '../../auth/session.js';
import { issueSession, mfaStepFor, type IssuedSession } from '../../auth/sign-in.js';
import { findFirm, findFirmName } from '../../repositories/firm.js';
import { findClientName } from '../../repositories/clients.js';
import { markSignedIn } from '../../repositories/users.js';
import type { OriginContext } from './origin.js';

/** Words a new password must not be built on: the firm's and client's names and the email's local part. */
async function contextWords(deps: Pick<AppDeps, 'db'>, user: UserRow): Promise<string[]> {
  const firmName = await findFirmName(deps.db);
  const clientName = user.client_id ? await findClientName(deps.db, user.client_id) : undefined;
  return [firmName ?? '', clientName ?? '', user.email.split('@')[0] ?? ''];
}

/**
 * Accept an invitation (the link is the credential): choose a password, activate the account and
 * sign in, with the second factor still owed where it applies. Whoever was signed in on this
 * browser before is signed out: the cookie now belongs to the new account.
 */
export async function acceptInvitation(
  deps: AppDeps,
  ctx: OriginContext,
  input: AcceptInvitationInput,
): Promise<{ result: AcceptInvitationResult; session: IssuedSession }> {
  // A cheap look-up first, so a dead link never costs an argon2 hash; re-checked in the transaction.
  const found = await findValidInvitation(deps.db, input.token, deps.clock());
  if (!found) throw notFound(INVALID_INVITATION);
  // Staff of a firm that signs staff in only by single sign-on never get a password: they sign in through the provider.
  if (ssoOnlyRefuses(found.user, await findFirm(deps.db))) {
    throw forbidden('Your firm signs its staff in through single sign-on: use its button on the sign-in page to sign in.');
  }
  const problem = passwordProblem(input.password) ?? contextualPasswordProblem(input.password, await contextWords(deps, found.user));
  if (problem) throw validationFailed(`password: ${problem}`, [{ path: 'password', message: problem }]);
  const passwordHash = await hashPassword(input.password);

  const now = deps.clock();
  const user = await deps.db.transaction().execute(async (trx) => {
    const activated = await consumeInvitation(trx, input.token, passwordHash, now);
    if (!activated) return null;
    await writeAudit(
      trx,
      { ...ctx.audit, actorId: activated.id, actorEmail: activated.email, clientId: activated.client_id },
      { action: 'invitation.accepted', outcome: 'success', targetType: 'user', targetId: activated.id },
      now,
    );
    return activated;
  });
  if (!user) throw notFound(INVALID_INVITATION);

  if (ctx.sessionId) {
    await deleteSession(deps.db, ctx.sessionId);
    deps.bus.publish('sessions.ended', { sessionIds: [ctx.sessionId], reason: null });
  }
  const mfaStep = mfaStepFor(user.kind, user.totp_secret_enc !== null, await findFirm(deps.db));
  if (mfaStep === null) await markSignedIn(deps.db, user.id, now);
  const session = await issueSession(deps, user, mfaStep === null, ctx.audit);
  return { result: { mfaStep }, session };
}
