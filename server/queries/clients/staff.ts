import { analystsSeeAll } from '../../policies/access.js';
import type { AppDeps } from '../../context.js';
import type { ClientStaffDTO } from '../../contracts/clients.js';
import { clientTeamStaff } from '../../repositories/projects.js';
import { assignedStaff, firmScoping } from '../../repositories/staff-scope.js';
import { type CommandContext } from '../../context.js';
import { readableClient } from './read.js';

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
    ? await deps.db
        .selectFrom('users')
        .select(['id', 'name'])
        .where(
          'id',
          'in',
          team.map((t) => t.id),
        )
        .orderBy('name')
        .execute()
    : [];
  return {
    analystsSeeAllClients: analystsSeeAll(firm),
    assigned: assigned.filter((a) => a.status === 'active').map((a) => ({ id: a.id, name: a.name, email: a.email })),
    onTeams: names,
  };
}
