import type { AppDeps } from '../../context.js';
import type { FindingStaffDTO } from '../../contracts/workspace.js';
import { notFound } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { requireSeesAt } from '../../policies/access.js';
import { clientOf } from '../../auth/access.js';
import { presentFinding } from '../../presenters/workspace.js';
import { findFinding, findingEvidence, listProjectFindings, statusHistories, type FindingWithProject } from '../../repositories/findings.js';
import { STAFF_PROFILE } from '../../visibility/profile.js';
import { remediationDays } from '../../repositories/remediation.js';
import { dueOf } from '../../services/deadlines.js';
import type { CommandContext } from '../../context.js';
import { readableProject, requireStaff } from '../projects/read.js';

/**
 * Staff reads of findings (drafts and internal notes included). Portal users get 404 here for
 * every id; their findings come through the portal routes, filtered in SQL.
 */

const STAFF = STAFF_PROFILE as typeof STAFF_PROFILE & { audience: 'staff' };

/** The finding a staff member may act on, or 404. */
export async function readableFinding(
  deps: Pick<AppDeps, 'db'>,
  ctx: CommandContext,
  findingId: string,
  action: 'finding.read' | 'finding.manage' = 'finding.read',
): Promise<FindingWithProject> {
  if (action === 'finding.read') requireStaff(ctx, true);
  const row = await findFinding(deps.db, findingId);
  if (!row) throw notFound();
  // What a portal user may not see (a draft…) does not exist for them: 404, the same as a made-up id.
  const user = ctx.viewer.user;
  if (user.kind === 'portal') requireSeesAt(user, 'finding', await clientOf(deps.db, user), row);
  authorize(ctx.viewer.user, action, { type: 'clientData', clientId: row.client_id });
  return row;
}

/** Every finding of a project, drafts included, with status history (evidence only on the single finding). */
export async function listFindings(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, projectId: string): Promise<FindingStaffDTO[]> {
  const project = await readableProject(deps, ctx, projectId, 'finding.read');
  const rows = await listProjectFindings(deps.db, projectId);
  const [history, days] = await Promise.all([
    statusHistories(
      deps.db,
      rows.map((r) => r.id),
    ),
    remediationDays(deps.db),
  ]);
  return rows.map((f) => presentFinding(f, { projectName: project.name, history: history.get(f.id)!, evidence: [], due: dueOf(f, days, deps.clock()) }, STAFF));
}

/** One finding as staff see it: every field, its status history and all its evidence rows. */
export async function getFinding(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, findingId: string): Promise<FindingStaffDTO> {
  const f = await readableFinding(deps, ctx, findingId);
  const [history, evidence, days] = await Promise.all([statusHistories(deps.db, [f.id]), findingEvidence(deps.db, f.id), remediationDays(deps.db)]);
  return presentFinding(f, { projectName: f.project_name, history: history.get(f.id)!, evidence, due: dueOf(f, days, deps.clock()) }, STAFF);
}
