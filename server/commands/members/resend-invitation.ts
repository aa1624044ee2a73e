import type { AppDeps } from '../../context.js';
import type { MemberDTO } from '../../contracts/users.js';
import { createInvitation, voidInvitations } from '../../auth/invitations.js';
import { writeAudit } from '../../audit.js';
import { conflict } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { auditFor, type CommandContext } from '../../context.js';
import { findMember, openClient, policyFor, type Directory } from '../../queries/members/directory.js';
import { memberView } from '../../queries/members/list.js';
import { announceHeld, notifyHeld } from './held-invitations.js';

/**
 * Send a fresh invitation link, only while the account is still `invited`. Every earlier link of
 * that person is voided in the same transaction, so only the newest mail works.
 */
export async function resendInvitation(deps: AppDeps, ctx: CommandContext, dir: Directory, userId: string): Promise<MemberDTO> {
  const p = policyFor(dir, 'manage');
  authorize(ctx.viewer.user, p.action, p.resource);
  const client = await openClient(deps.db, dir);
  const firm = await deps.db.selectFrom('firm').select('name').executeTakeFirst();
  const now = deps.clock();
  const notified = await deps.db.transaction().execute(async (trx) => {
    const target = await findMember(trx, dir, userId);
    if (target.status !== 'invited') throw conflict('Only a pending invitation can be resent: this person has already accepted or has been removed.');
    await voidInvitations(trx, target.id, now);
    // A held invitation stays held (invitation-hold.ts): the same answer, no mail, the admins told again.
    const held = target.held_reason;
    await createInvitation(
      trx,
      deps.config,
      { user: target, firmName: firm?.name ?? 'Debrief', clientName: client?.name ?? null, inviterName: ctx.viewer.user.name, invitedBy: ctx.viewer.user.id },
      now,
      !held,
    );
    await writeAudit(
      trx,
      auditFor(ctx, target.client_id),
      { action: 'invitation.resent', outcome: 'success', targetType: 'user', targetId: target.id, ...(held && { details: { held } }) },
      now,
    );
    if (!held || !client || !target.held_email) return [];
    return notifyHeld(trx, ctx, client, { email: target.held_email, reason: held }, now);
  });
  deps.bus.publish('mail.queued', {});
  const view = await memberView(deps, ctx, dir, userId);
  announceHeld(deps, notified);
  return view;
}
