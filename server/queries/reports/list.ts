import type { AppDeps } from '../../context.js';
import type { ProjectReportsDTO } from '../../contracts/reports.js';
import { presentReport } from '../../presenters/workspace.js';
import { listReports } from '../../repositories/reports.js';
import type { CommandContext } from '../../context.js';
import { projectForReports } from './access.js';

/** A project's reports: every version for staff, the published ones for the client's users. */
export async function listProjectReports(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, projectId: string): Promise<ProjectReportsDTO> {
  const { project, profile } = await projectForReports(deps, ctx, projectId, 'report.read');
  const rows = await listReports(deps.db, { projectId: project.id, ...(profile.audience === 'portal' && { publishedFor: profile.clientId }) });
  return { project: { id: project.id, name: project.name }, reports: rows.map((r) => presentReport(r, r.project_name, profile)) };
}
