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
import { deleteRecoveryCodes } from '../../repositories/recovery-codes.js';

/**
 * Send a fresh invitation link while the account is `invited`, or invite a removed person again
 * (they start over: no password, authenticator or recovery codes). Every earlier link of that
 * person is voided in the same transaction, so only the newest mail works.
 */
export async function resendInvitation(deps: AppDeps, ctx: CommandContext, dir: Directory, userId: string): Promise<MemberDTO> {
  const p = policyFor(dir, 'manage');
  authorize(ctx.viewer.user, p.action, p.resource);
  const client = await openClient(deps.db, dir);
  const firm = await deps.db.selectFrom('firm').select('name').executeTakeFirst();
  const now = deps.clock();
  const notified = await deps.db.transaction().execute(async (trx) => {
    const target = await findMember(trx, dir, userId);
    if (target.status === 'active') throw conflict('This person has already accepted their invitation.');
    // Invite again: a removed person starts over as invited — no password, no authenticator, no
    // recovery codes — and signs in again only through the new link (issue 18, point 11).
    if (target.status === 'removed') {
      await trx
        .updateTable('users')
        .set({ status: 'invited', password_hash: null, totp_secret_enc: null, totp_pending_enc: null, totp_last_step: null, updated_at: now })
        .where('id', '=', target.id)
        .execute();
      await deleteRecoveryCodes(trx, target.id);
    }
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
      {
        action: 'invitation.resent',
        outcome: 'success',
        targetType: 'user',
        targetId: target.id,
        ...((held || target.status === 'removed') && { details: { ...(held && { held }), ...(target.status === 'removed' && { reinvited: true }) } }),
      },
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
