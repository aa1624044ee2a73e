import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { auditContextOf } from '../context.js';
import { AcceptInvitationInput, type AcceptInvitationResult, type InvitationInfoDTO } from '../contracts/users.js';
import { parseInput } from '../validate.js';
import { notFound, rateLimited, validationFailed } from '../errors.js';
import { consumeInvitation, contextualPasswordProblem, findValidInvitation, INVALID_INVITATION } from '../auth/invitations.js';
import { hashPassword, passwordProblem } from '../auth/password.js';
import { tokenBucket } from '../auth/rate-limit.js';
import { mfaStepFor, startSession } from '../auth/sign-in.js';
import { deleteSession } from '../auth/session.js';
import { writeAudit } from '../audit.js';
import type { UserRow } from '../../db/schema.js';

/** Words a new password must not be built on: the firm's and client's names and the email's local part. */
async function contextWords(deps: AppDeps, user: UserRow): Promise<string[]> {
  const firm = await deps.db.selectFrom('firm').select('name').executeTakeFirst();
  const client = user.client_id ? await deps.db.selectFrom('clients').select('name').where('id', '=', user.client_id).executeTakeFirst() : undefined;
  return [firm?.name ?? '', client?.name ?? '', user.email.split('@')[0] ?? ''];
}

/** Opening and accepting an invitation link (anonymous: the link is the credential). */
export function invitationsRouter(deps: AppDeps): Router {
  const r = Router();
  // Links carry 160 bits, so guessing is hopeless; the bucket only keeps a flood of argon2 hashes off the CPU.
  const perIp = tokenBucket(60, 1, deps.clock);
  const throttle = (ip: string | undefined) => {
    const t = perIp.take(`invite:${ip ?? 'unknown'}`);
    if (!t.ok) throw rateLimited(t.retryAfterSeconds);
  };

  r.get('/invitations/:token', async (req, res) => {
    throttle(req.ip);
    const found = await findValidInvitation(deps.db, req.params.token, deps.clock());
    if (!found) throw notFound(INVALID_INVITATION);
    const firm = await deps.db.selectFrom('firm').select('name').executeTakeFirst();
    const client = found.user.client_id
      ? await deps.db.selectFrom('clients').select('name').where('id', '=', found.user.client_id).executeTakeFirst()
      : undefined;
    const body: InvitationInfoDTO = {
      email: found.user.email,
      name: found.user.name,
      kind: found.user.kind,
      role: found.user.role,
      firmName: firm?.name ?? 'Debrief',
      clientName: client?.name ?? null,
    };
    res.json(body);
  });

  r.post('/invitations/accept', async (req, res) => {
    throttle(req.ip);
    const input = parseInput(AcceptInvitationInput, req.body);
    // A cheap look-up first, so a dead link never costs an argon2 hash; re-checked in the transaction.
    const found = await findValidInvitation(deps.db, input.token, deps.clock());
    if (!found) throw notFound(INVALID_INVITATION);
    const problem = passwordProblem(input.password) ?? contextualPasswordProblem(input.password, await contextWords(deps, found.user));
    if (problem) throw validationFailed(`password: ${problem}`, [{ path: 'password', message: problem }]);
    const passwordHash = await hashPassword(input.password);

    const now = deps.clock();
    const user = await deps.db.transaction().execute(async (trx) => {
      const activated = await consumeInvitation(trx, input.token, passwordHash, now);
      if (!activated) return null;
      await writeAudit(
        trx,
        { ...auditContextOf(req), actorId: activated.id, actorEmail: activated.email, clientId: activated.client_id },
        { action: 'invitation.accepted', outcome: 'success', targetType: 'user', targetId: activated.id },
        now,
      );
      return activated;
    });
    if (!user) throw notFound(INVALID_INVITATION);

    // Whoever was signed in on this browser before is signed out: the cookie now belongs to the new account.
    if (req.viewer) {
      await deleteSession(deps.db, req.viewer.session.id);
      deps.bus.publish('sessions.ended', { sessionIds: [req.viewer.session.id], reason: 'signed_in_as_other' });
    }
    const firm = await deps.db.selectFrom('firm').selectAll().executeTakeFirst();
    const mfaStep = mfaStepFor(user, firm);
    if (mfaStep === null) await deps.db.updateTable('users').set({ last_login_at: now }).where('id', '=', user.id).execute();
    await startSession(deps, req, res, user, mfaStep === null);
    const body: AcceptInvitationResult = { mfaStep };
    res.json(body);
  });

  return r;
}
