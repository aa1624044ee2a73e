import type { AppDeps } from '../../context.js';
import { findFirm } from '../../repositories/firm.js';
import { guardBreakGlass } from '../../auth/sso.js';
import type { MemberDTO } from '../../contracts/users.js';
import { writeAudit } from '../../audit.js';
import { voidInvitations } from '../../auth/invitations.js';
import { voidResets } from '../../auth/password-reset.js';
import { voidEmailChanges } from '../../repositories/email-changes.js';
import { endUserSessions } from '../../auth/revoke.js';
import { conflict } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { auditFor, type CommandContext } from '../../context.js';
import { assertNotLastAdmin, findMember, policyFor, type Directory } from '../../queries/members/directory.js';
import { memberView } from '../../queries/members/list.js';

/**
 * Remove someone's access: status `removed`, their pending links voided, then every session
 * ended (cookies answer 401 and live sockets close at once). Nobody removes themselves, and the
 * firm keeps an admin. Removing an already removed person changes nothing.
 */
export async function removeMember(deps: AppDeps, ctx: CommandContext, dir: Directory, userId: string): Promise<MemberDTO> {
  const p = policyFor(dir, 'manage');
  authorize(ctx.viewer.user, p.action, p.resource);
  const now = deps.clock();
  const removed = await deps.db.transaction().execute(async (trx) => {
    const target = await findMember(trx, dir, userId);
    if (target.id === ctx.viewer.user.id) throw conflict("You can't remove your own access.");
    if (target.status === 'removed') return false;
    await assertNotLastAdmin(trx, target);
    guardBreakGlass(target.id, await findFirm(trx), 'removing them');
    await trx.updateTable('users').set({ status: 'removed', updated_at: now }).where('id', '=', target.id).execute();
    await voidInvitations(trx, target.id, now);
    await voidResets(trx, target.id, now);
    await voidEmailChanges(trx, target.id, now);
    await writeAudit(
      trx,
      auditFor(ctx, target.client_id),
      { action: 'user.removed', outcome: 'success', targetType: 'user', targetId: target.id, details: { role: target.role } },
      now,
    );
    return true;
  });
  if (removed) await endUserSessions(deps, userId, 'removed');
  return memberView(deps, ctx, dir, userId);
}
