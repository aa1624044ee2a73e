import type { AppDeps } from '../../context.js';
import { clientOf } from '../../auth/access.js';
import { notFound } from '../../errors.js';
import { requireSeesAt } from '../../policies/access.js';
import { authorize, type Action } from '../../policies/index.js';
import { findFinding, type FindingWithProject } from '../../repositories/findings.js';
import { portalProfile, STAFF_PROFILE, type VisibilityProfile } from '../../visibility/profile.js';
import type { CommandContext } from '../../context.js';

/**
 * The finding a remediation request is about, for this viewer: whoever may see the finding
 * (`policies/access.ts`; a draft or another client's finding is 404, the same as a made-up id).
 * Then the action's rule decides (403 for a role that may not).
 */
export async function remediationFinding(
  deps: Pick<AppDeps, 'db'>,
  ctx: CommandContext,
  findingId: string,
  action: Action,
): Promise<{ finding: FindingWithProject; profile: VisibilityProfile }> {
  const u = ctx.viewer.user;
  const row = await findFinding(deps.db, findingId);
  if (!row) throw notFound();
  if (u.kind === 'staff') {
    authorize(u, action, { type: 'clientData', clientId: row.client_id });
    return { finding: row, profile: STAFF_PROFILE };
  }
  const client = await clientOf(deps.db, u);
  requireSeesAt(u, 'finding', client, row);
  authorize(u, action, { type: 'clientData', clientId: row.client_id });
  return { finding: row, profile: portalProfile(client!) };
}
