import type { AppDeps } from '../../context.js';
import type { RemediationDTO, VerdictInput } from '../../contracts/remediation.js';
import { applyMove, commitRemediation } from './move.js';
import { remediationFinding } from '../../queries/remediation/access.js';
import { getRemediation } from '../../queries/remediation/timeline.js';
import type { CommandContext } from '../../context.js';

/**
 * Staff give the verdict on the waiting round (Verified fixed; Not fixed and Partially fixed need
 * notes), optionally with their own files: the round is closed for good, the client's Managers
 * and the submitter are told.
 */
export async function giveVerdict(deps: AppDeps, ctx: CommandContext, findingId: string, input: VerdictInput): Promise<RemediationDTO> {
  const { finding } = await remediationFinding(deps, ctx, findingId, 'remediation.verdict');
  const now = deps.clock();
  await commitRemediation(deps, async (trx) => ({
    value: null,
    notifications: await applyMove(
      trx,
      ctx,
      finding.id,
      { to: input.verdict, notes: input.notes, attachmentIds: input.attachmentIds, auditAction: 'remediation.verdict_given', notesField: 'notes' },
      now,
    ),
  }));
  return getRemediation(deps, ctx, finding.id);
}
