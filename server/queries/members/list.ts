import type { AppDeps } from '../../context.js';
import type { MemberDTO } from '../../contracts/users.js';
import { authorize } from '../../policies/index.js';
import { presentMember } from '../../presenters/member.js';
import type { CommandContext } from '../../context.js';
import { findMember, policyFor, type Directory } from './directory.js';

const STATUS_ORDER = { active: 0, invited: 1, removed: 2 } as const;

function membersQuery(deps: Pick<AppDeps, 'db'>, dir: Directory) {
  let q = deps.db
    .selectFrom('users as u')
    .select(['u.id', 'u.name', 'u.email', 'u.role', 'u.status', 'u.last_login_at', 'u.held_email', 'u.held_reason'])
    .select((eb) =>
      eb
        .selectFrom('invitations as i')
        .select((e) => e.fn.max('i.created_at').as('m'))
        .whereRef('i.user_id', '=', 'u.id')
        .as('invited_at'),
    )
    .where('u.kind', '=', dir.kind);
  if (dir.kind === 'portal') q = q.where('u.client_id', '=', dir.clientId);
  return q;
}

/** Everyone in a directory (removed people included, so their status shows), active first, then by name. */
export async function listMembers(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, dir: Directory): Promise<MemberDTO[]> {
  const p = policyFor(dir, 'list');
  authorize(ctx.viewer.user, p.action, p.resource);
  const rows = await membersQuery(deps, dir).orderBy('u.name').execute();
  return rows
    .map((r) => presentMember({ ...r, invited_at: r.invited_at ?? null }, ctx.viewer.user.kind))
    .sort((a, b) => STATUS_ORDER[a.status] - STATUS_ORDER[b.status]);
}

/** One member as the list shows them to the viewer (after a change). */
export async function memberView(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, dir: Directory, userId: string): Promise<MemberDTO> {
  await findMember(deps.db, dir, userId);
  const row = await membersQuery(deps, dir).where('u.id', '=', userId).executeTakeFirstOrThrow();
  return presentMember({ ...row, invited_at: row.invited_at ?? null }, ctx.viewer.user.kind);
}
