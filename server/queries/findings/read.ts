import type { AppDeps } from '../../context.js';
import { z } from 'zod';
import { FINDING_PAGE_DEFAULT, type FindingPageQuery, type FindingStaffDTO } from '../../contracts/workspace.js';
import type { FindingRowStaffDTO } from '../../contracts/portal.js';
import { decodeCursor, pageOf } from '../../services/cursor.js';
import { notFound } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { requireSeesAt } from '../../policies/access.js';
import { clientOf } from '../../auth/access.js';
import { presentFinding, presentFindingRow } from '../../presenters/workspace.js';
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

const FindingListKey = z.tuple([z.number().int().min(0).max(4), z.number().int(), z.string().max(64)]);

/**
 * One page of a project's findings table, drafts included: summary rows (no markdown, no history;
 * the whole finding is on its own page), most severe first, `next` the cursor of the following page.
 */
export async function listFindings(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  ctx: CommandContext,
  projectId: string,
  query: FindingPageQuery,
): Promise<{ findings: FindingRowStaffDTO[]; next: string | null }> {
  await readableProject(deps, ctx, projectId, 'finding.read');
  const limit = query.limit ?? FINDING_PAGE_DEFAULT;
  const after = query.after === undefined ? null : decodeCursor(query.after, FindingListKey);
  const [rows, days] = await Promise.all([listProjectFindings(deps.db, projectId, after, limit + 1), remediationDays(deps.db)]);
  const now = deps.clock();
  const page = pageOf(
    rows,
    limit,
    (r) => [r.rank, r.created_at, r.id],
    (r) => presentFindingRow(r, dueOf(r, days, now)),
  );
  return { findings: page.items, next: page.next };
}

/** One finding as staff see it: every field, its status history and all its evidence rows. */
export async function getFinding(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, findingId: string): Promise<FindingStaffDTO> {
  const f = await readableFinding(deps, ctx, findingId);
  const [history, evidence, days] = await Promise.all([statusHistories(deps.db, [f.id]), findingEvidence(deps.db, f.id), remediationDays(deps.db)]);
  return presentFinding(f, { projectName: f.project_name, history: history.get(f.id)!, evidence, due: dueOf(f, days, deps.clock()) }, STAFF);
}
