import type { AppDeps } from '../../context.js';
import { z } from 'zod';
import { PROJECT_PAGE_DEFAULT, PROJECT_PHASES, type ProjectDTO, type ProjectPageQuery } from '../../contracts/workspace.js';
import { decodeCursor, pageOf } from '../../services/cursor.js';
import { forbidden, notFound, refusal } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { presentProject } from '../../presenters/workspace.js';
import {
  activeStaff,
  findingCounts,
  findProject,
  listProjects as listProjectRows,
  pageProjects,
  teamsOf,
  type ProjectWithClient,
} from '../../repositories/projects.js';
import { STAFF_PROFILE } from '../../visibility/profile.js';
import type { CommandContext } from '../../context.js';
import { readableClient } from '../clients/read.js';

/**
 * Staff reads of projects. These routes are the firm's workspace: a portal user reading through
 * them gets 404 for anything named by an id (their own client's included, as for client records)
 * and 403 for a firm-wide collection; the portal reads through its own routes. A write on
 * something the portal user can see in their portal (their own client's project) is a role that
 * may not: 403, from the policy.
 */

/** Refuse a portal user on a staff route: 404 when the route names an id, 403 for a collection. */
export function requireStaff(ctx: CommandContext, namesAnId: boolean): void {
  if (ctx.viewer.user.kind !== 'staff') throw refusal(namesAnId ? notFound() : forbidden());
}

/** The project a staff member may act on, or 404. */
export async function readableProject(
  deps: Pick<AppDeps, 'db'>,
  ctx: CommandContext,
  projectId: string,
  action: 'project.read' | 'project.manage' | 'finding.read' | 'finding.manage' = 'project.read',
): Promise<ProjectWithClient> {
  if (action.endsWith('.read')) requireStaff(ctx, true);
  const row = await findProject(deps.db, projectId);
  if (!row) throw notFound();
  authorize(ctx.viewer.user, action, { type: 'clientData', clientId: row.client_id });
  return row;
}

/** Projects as staff see them (counts include drafts). */
async function presentProjects(deps: Pick<AppDeps, 'db'>, rows: ProjectWithClient[]): Promise<ProjectDTO[]> {
  const ids = rows.map((r) => r.id);
  const [counts, teams] = await Promise.all([findingCounts(deps.db, ids), teamsOf(deps.db, ids)]);
  return rows.map((r) => presentProject(r, { counts: counts.get(r.id)!, clientName: r.client_name, team: teams.get(r.id)! }, STAFF_PROFILE));
}

/** One client's projects, newest first. */
export async function listClientProjects(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, clientId: string): Promise<ProjectDTO[]> {
  requireStaff(ctx, true);
  await readableClient(deps, ctx, clientId);
  authorize(ctx.viewer.user, 'project.read', { type: 'clientData', clientId });
  return presentProjects(deps, await listProjectRows(deps.db, clientId));
}

const ProjectListKey = z.tuple([z.number().int(), z.string().max(64)]);

/**
 * One page of the projects of every client the viewer reaches (the staff Projects page): planned
 * and active ones (`current`, the default) or completed and archived ones (`done`), newest first.
 */
export async function listAllProjects(
  deps: Pick<AppDeps, 'db'>,
  ctx: CommandContext,
  query: ProjectPageQuery,
): Promise<{ projects: ProjectDTO[]; next: string | null }> {
  requireStaff(ctx, false);
  authorize(ctx.viewer.user, 'client.read');
  const limit = query.limit ?? PROJECT_PAGE_DEFAULT;
  const after = query.after === undefined ? null : decodeCursor(query.after, ProjectListKey);
  const rows = await pageProjects(deps.db, ctx.viewer.user, PROJECT_PHASES[query.phase ?? 'current'], after, limit + 1);
  const page = pageOf(
    rows,
    limit,
    (r) => [r.created_at, r.id],
    (r) => r,
  );
  return { projects: await presentProjects(deps, page.items), next: page.next };
}

/** One project with its team and finding counts. */
export async function getProject(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, projectId: string): Promise<ProjectDTO> {
  const row = await readableProject(deps, ctx, projectId);
  return (await presentProjects(deps, [row]))[0]!;
}

/** Who can be put on a project team (staff only; analysts need it too, unlike the admin-only staff list). */
export async function teamOptions(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<{ id: string; name: string }[]> {
  requireStaff(ctx, false);
  authorize(ctx.viewer.user, 'client.read');
  return activeStaff(deps.db);
}
