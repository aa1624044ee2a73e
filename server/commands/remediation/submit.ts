import type { AppDeps } from '../../context.js';
import type { RemediationDTO, RemediationSubmitInput } from '../../contracts/remediation.js';
import { applyMove, commitRemediation } from './move.js';
import { remediationFinding } from '../../queries/remediation/access.js';
import { getRemediation } from '../../queries/remediation/timeline.js';
import type { CommandContext } from '../../context.js';

/**
 * A client Manager marks a finding remediated (notes required, files optional): a new round,
 * Pending verification, the deadline clock paused, the project team told.
 */
export async function submitRemediation(deps: AppDeps, ctx: CommandContext, findingId: string, input: RemediationSubmitInput): Promise<RemediationDTO> {
  const { finding } = await remediationFinding(deps, ctx, findingId, 'remediation.submit');
  const now = deps.clock();
  await commitRemediation(deps, async (trx) => ({
    value: null,
    notifications: await applyMove(
      trx,
      ctx,
      finding.id,
      { to: 'pending_verification', notes: input.notes, attachmentIds: input.attachmentIds, auditAction: 'remediation.submitted', notesField: 'notes' },
      now,
    ),
  }));
  return getRemediation(deps, ctx, finding.id);
}
