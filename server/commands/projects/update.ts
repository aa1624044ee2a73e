import type { Updateable } from 'kysely';
import type { ProjectTable } from '../../../db/schema.js';
import type { AppDeps } from '../../context.js';
import type { ProjectDTO, ProjectPatch } from '../../contracts/workspace.js';
import { writeAudit } from '../../audit.js';
import { validationFailed } from '../../errors.js';
import { replaceTeam, teamsOf } from '../../repositories/projects.js';
import { auditFor, type CommandContext } from '../../context.js';
import { getProject, readableProject } from '../../queries/projects/read.js';
import { checkedTeam } from './team.js';
import { appendEvent } from '../../events/log.js';

/** Change a project's details or team; only what differs is written (and named in the audit row). */
export async function updateProject(deps: AppDeps, ctx: CommandContext, projectId: string, input: ProjectPatch): Promise<ProjectDTO> {
  const before = await readableProject(deps, ctx, projectId, 'project.manage');
  const start = input.startDate !== undefined ? input.startDate : before.start_date;
  const end = input.endDate !== undefined ? input.endDate : before.end_date;
  if (start && end && start > end) {
    throw validationFailed('endDate: The end date is before the start date.', [{ path: 'endDate', message: 'The end date is before the start date.' }]);
  }
  const team = input.teamUserIds === undefined ? undefined : await checkedTeam(deps, input.teamUserIds);

  const set: Updateable<ProjectTable> = {};
  const changed: string[] = [];
  if (input.name !== undefined && input.name !== before.name) {
    set.name = input.name;
    changed.push('name');
  }
  if (input.status !== undefined && input.status !== before.status) {
    set.status = input.status;
    changed.push('status');
  }
  if (input.startDate !== undefined && input.startDate !== before.start_date) {
    set.start_date = input.startDate;
    changed.push('startDate');
  }
  if (input.endDate !== undefined && input.endDate !== before.end_date) {
    set.end_date = input.endDate;
    changed.push('endDate');
  }
  if (input.description !== undefined && input.description !== before.description) {
    set.description = input.description;
    changed.push('description');
  }
  let teamChanged = false;
  if (team) {
    const current = ((await teamsOf(deps.db, [projectId])).get(projectId) ?? []).map((m) => m.id).sort();
    teamChanged = JSON.stringify(current) !== JSON.stringify([...team].sort());
    if (teamChanged) changed.push('team');
  }
  if (changed.length === 0) return getProject(deps, ctx, projectId);

  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('projects')
      .set({ ...set, updated_at: now })
      .where('id', '=', projectId)
      .execute();
    if (teamChanged) await replaceTeam(trx, projectId, team!);
    await appendEvent(trx, { clientId: before.client_id, type: 'project:updated', audience: 'all', entityId: projectId }, now);
    const details = { changed, ...(set.status ? { status: set.status } : {}), ...(teamChanged ? { team } : {}) };
    await writeAudit(
      trx,
      auditFor(ctx, before.client_id),
      { action: 'project.updated', outcome: 'success', targetType: 'project', targetId: projectId, details },
      now,
    );
  });
  deps.bus.publish('events.appended', {});
  if (teamChanged) deps.bus.publish('scope.changed', {});
  return getProject(deps, ctx, projectId);
}
