import type { AppDeps } from '../../context.js';
import type { MailDelivery, MemberDTO } from '../../contracts/users.js';
import { createInvitation, voidInvitations } from '../../auth/invitations.js';
import { createEmailChange } from '../../auth/email-change.js';
import { writeAudit } from '../../audit.js';
import { conflict, validationFailed } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { auditFor, type CommandContext } from '../../context.js';
import { findMember, openClient, policyFor, type Directory } from '../../queries/members/directory.js';
import { memberView } from '../../queries/members/list.js';
import { announceHeld, EMAIL_TAKEN, holdReason, notifyHeld, placeholderEmail } from './held-invitations.js';
import { isUniqueViolation } from '../../../db/dialect.js';

/** What a change of address answers: the person as the list shows them, and how the mail went. */
export interface EmailChangeResult {
  member: MemberDTO;
  delivery: MailDelivery;
}

/**
 * Change a person's e-mail address (staff for the team and any client's people, a client's
 * Managers for their own people), in one transaction:
 * - someone still invited: every earlier invitation link is voided, the account takes the new
 *   address and a fresh invitation goes there;
 * - an active person: a pending change and a confirmation link to the new address, and a notice
 *   to the old one, which keeps signing in until the link is used (`commands/account/confirm-email-change.ts`).
 * An address the requester may see is taken is refused (409); one that belongs to an account a
 * Manager may not know about is held like an invitation (held-invitations.ts): the same answer, no link.
 */
export async function changeMemberEmail(deps: AppDeps, ctx: CommandContext, dir: Directory, userId: string, email: string): Promise<EmailChangeResult> {
  const p = policyFor(dir, 'manage');
  authorize(ctx.viewer.user, p.action, p.resource);
  const client = await openClient(deps.db, dir);
  const firmName = (await deps.db.selectFrom('firm').select('name').executeTakeFirst())?.name ?? 'Debrief';
  const now = deps.clock();
  let notified: number[] = [];
  try {
    await deps.db.transaction().execute(async (trx) => {
      const target = await findMember(trx, dir, userId);
      if (target.status === 'removed') throw conflict('This person has been removed; invite them again instead.');
      if ((target.held_email ?? target.email).toLowerCase() === email) {
        throw validationFailed('email: This is already their address.', [{ path: 'email', message: 'This is already their address.' }]);
      }
      const held = await holdReason(trx, ctx, target.client_id, email);
      const audit = auditFor(ctx, target.client_id);
      if (target.status === 'invited') {
        await voidInvitations(trx, target.id, now);
        const stored = held ? placeholderEmail(target.id) : email;
        await trx
          .updateTable('users')
          .set({ email: stored, held_email: held ? email : null, held_reason: held, updated_at: now })
          .where('id', '=', target.id)
          .execute();
        const invitation = {
          user: { ...target, email: stored },
          firmName,
          clientName: client?.name ?? null,
          inviterName: ctx.viewer.user.name,
          invitedBy: ctx.viewer.user.id,
        };
        await createInvitation(trx, deps.config, invitation, now, !held);
        await writeAudit(
          trx,
          audit,
          { action: 'user.email_changed', outcome: 'success', targetType: 'user', targetId: target.id, details: { invited: true, ...(held && { held }) } },
          now,
        );
        if (held && client) notified = await notifyHeld(trx, ctx, client, { email, reason: held }, now);
        return;
      }
      const mail = { user: target, newEmail: email, firmName, requesterName: ctx.viewer.user.name };
      await createEmailChange(trx, deps.config, mail, ctx.viewer.user.id, now, !held);
      await writeAudit(
        trx,
        audit,
        { action: 'user.email_change_requested', outcome: 'success', targetType: 'user', targetId: target.id, ...(held && { details: { held } }) },
        now,
      );
    });
  } catch (err) {
    // Taken between the check and the write (the unique key on the address decides).
    if (isUniqueViolation(err)) throw conflict(EMAIL_TAKEN);
    throw err;
  }
  deps.bus.publish('mail.queued', {});
  const member = await memberView(deps, ctx, dir, userId);
  announceHeld(deps, notified);
  return { member, delivery: deps.config.smtpUrl ? 'email' : 'outbox' };
}
