import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../context.js';
import type { ProjectDTO, ProjectInput } from '../../contracts/workspace.js';
import { writeAudit } from '../../audit.js';
import { conflict } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { replaceTeam } from '../../repositories/projects.js';
import { auditFor, type CommandContext } from '../../context.js';
import { readableClient } from '../../queries/clients/read.js';
import { getProject, requireStaff } from '../../queries/projects/read.js';
import { checkedTeam } from './team.js';
import { appendEvent } from '../../events/log.js';
import { isArchived } from '../../policies/access.js';

/** Create a project for a client, with its team (active staff only). Refused for an archived client. */
export async function createProject(deps: AppDeps, ctx: CommandContext, clientId: string, input: ProjectInput): Promise<ProjectDTO> {
  requireStaff(ctx, true);
  const client = await readableClient(deps, ctx, clientId);
  authorize(ctx.viewer.user, 'project.manage', { type: 'clientData', clientId });
  if (isArchived(client)) throw conflict('This client is archived; it can no longer get new projects.');
  const team = await checkedTeam(deps, input.teamUserIds);

  const id = randomUUID();
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('projects')
      .values({
        id,
        client_id: clientId,
        name: input.name,
        status: input.status,
        start_date: input.startDate,
        end_date: input.endDate,
        description: input.description,
        created_by: ctx.viewer.user.id,
        created_at: now,
        updated_at: now,
      })
      .execute();
    await replaceTeam(trx, id, team);
    await appendEvent(trx, { clientId, type: 'project:updated', audience: 'all', entityId: id }, now);
    await writeAudit(
      trx,
      auditFor(ctx, clientId),
      { action: 'project.created', outcome: 'success', targetType: 'project', targetId: id, details: { name: input.name, status: input.status, team } },
      now,
    );
  });
  deps.bus.publish('events.appended', {});
  // Its team reach the client now (staff least privilege).
  if (team.length) deps.bus.publish('scope.changed', {});
  return getProject(deps, ctx, id);
}
