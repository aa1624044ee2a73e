import type { AppDeps } from '../context.js';
import type { ClientStaffDTO, ClientStaffInput } from '../contracts/clients.js';
import { writeAudit } from '../audit.js';
import { validationFailed } from '../errors.js';
import { authorize } from '../policies/index.js';
import { clientTeamStaff } from './notification-recipients.js';
import { activeStaffIds } from '../repositories/projects.js';
import { assignedStaff, firmScoping } from '../repositories/staff-scope.js';
import { auditFor, type CommandContext } from './context.js';
import { readableClient } from './client-lister.js';

/**
 * Which of the firm's people reach a client (staff least privilege): analysts assigned to it by an
 * admin, and everyone on one of its project teams. It matters once the firm switches "analysts see
 * every client" off (Settings → Security); admins always see every client.
 */

/** The client's assigned analysts and project-team members (any staff member who reaches the client). */
export async function getClientStaff(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, clientId: string): Promise<ClientStaffDTO> {
  await readableClient(deps, ctx, clientId);
  const [firm, assigned, team] = await Promise.all([firmScoping(deps.db), assignedStaff(deps.db, clientId), clientTeamStaff(deps.db, clientId)]);
  const names = team.length
    ? await deps.db.selectFrom('users').select(['id', 'name']).where('id', 'in', team.map((t) => t.id)).orderBy('name').execute()
    : [];
  return {
    analystsSeeAllClients: (firm?.analysts_see_all_clients ?? 1) === 1,
    assigned: assigned.filter((a) => a.status === 'active').map((a) => ({ id: a.id, name: a.name, email: a.email })),
    onTeams: names,
  };
}

/**
 * Replace the client's assigned analysts (admins only). Every id must be an active staff account;
 * a bad one is refused with 400 naming it, and nothing changes. Audited with who was added and
 * removed; open sockets of people who lost the client leave its rooms at once.
 */
export async function setClientStaff(deps: AppDeps, ctx: CommandContext, clientId: string, input: ClientStaffInput): Promise<ClientStaffDTO> {
  await readableClient(deps, ctx, clientId);
  authorize(ctx.viewer.user, 'client.assign', { type: 'client', clientId });
  const wanted = [...new Set(input.userIds)];
  const ok = await activeStaffIds(deps.db, wanted);
  const bad = wanted.filter((id) => !ok.has(id));
  if (bad.length) {
    const message = `Only active staff accounts can be assigned to a client (not: ${bad.join(', ')}).`;
    throw validationFailed(`userIds: ${message}`, [{ path: 'userIds', message, invalid: bad }]);
  }
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const before = new Set((await trx.selectFrom('client_staff').select('user_id').where('client_id', '=', clientId).execute()).map((r) => r.user_id));
    const added = wanted.filter((id) => !before.has(id));
    const removed = [...before].filter((id) => !wanted.includes(id));
    if (removed.length) await trx.deleteFrom('client_staff').where('client_id', '=', clientId).where('user_id', 'in', removed).execute();
    if (added.length) await trx.insertInto('client_staff').values(added.map((user_id) => ({ client_id: clientId, user_id, assigned_by: ctx.viewer.user.id, created_at: now }))).execute();
    await writeAudit(trx, auditFor(ctx, clientId), { action: 'client.staff_assigned', outcome: 'success', targetType: 'client', targetId: clientId, details: { added, removed } }, now);
  });
  deps.bus.publish('scope.changed', {});
  return getClientStaff(deps, ctx, clientId);
}
