import type { AppDeps } from '../../context.js';
import { findFirm } from '../../repositories/firm.js';
import { guardBreakGlass } from '../../auth/sso.js';
import type { MemberDTO, PortalRole, StaffRole } from '../../contracts/users.js';
import { writeAudit } from '../../audit.js';
import { endUserSessions } from '../../auth/revoke.js';
import { conflict } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { auditFor, type CommandContext } from '../../context.js';
import { assertNotLastAdmin, findMember, isLowering, openClient, policyFor, type Directory } from '../../queries/members/directory.js';
import { memberView } from '../../queries/members/list.js';

export interface UpdateMemberInput {
  name?: string;
  role?: StaffRole | PortalRole;
}

/**
 * Change a member's name or role. Nobody lowers their own role, the firm keeps an admin, and
 * a lowered role ends that person's sessions at once (they sign in again with the new rights).
 */
export async function updateMember(deps: AppDeps, ctx: CommandContext, dir: Directory, userId: string, input: UpdateMemberInput): Promise<MemberDTO> {
  const p = policyFor(dir, 'manage');
  authorize(ctx.viewer.user, p.action, p.resource);
  await openClient(deps.db, dir);
  const now = deps.clock();
  const lowered = await deps.db.transaction().execute(async (trx) => {
    const target = await findMember(trx, dir, userId);
    if (target.status === 'removed') throw conflict('This person has been removed; invite them again instead.');
    const role = input.role ?? target.role;
    const lowering = isLowering(target.role, role);
    if (lowering && target.id === ctx.viewer.user.id) throw conflict("You can't lower your own role. Ask another administrator.");
    if (lowering) guardBreakGlass(target.id, await findFirm(trx), 'lowering their role');
    if (lowering) await assertNotLastAdmin(trx, target);
    const changes: Record<string, unknown> = {};
    if (input.name !== undefined && input.name !== target.name) changes.name = true;
    if (role !== target.role) changes.role = { from: target.role, to: role };
    if (Object.keys(changes).length === 0) return false;
    await trx
      .updateTable('users')
      .set({ name: input.name ?? target.name, role, updated_at: now })
      .where('id', '=', target.id)
      .execute();
    await writeAudit(
      trx,
      auditFor(ctx, target.client_id),
      { action: 'user.updated', outcome: 'success', targetType: 'user', targetId: target.id, details: changes },
      now,
    );
    return lowering;
  });
  if (lowered) await endUserSessions(deps, userId, 'signed_out_elsewhere');
  // A staff role decides which clients they reach (admins every one).
  else if (dir.kind === 'staff') deps.bus.publish('scope.changed', {});
  return memberView(deps, ctx, dir, userId);
}
