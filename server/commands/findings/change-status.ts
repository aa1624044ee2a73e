import type { AppDeps } from '../../context.js';
import type { FindingStaffDTO, FindingStatusInput } from '../../contracts/workspace.js';
import { validationFailed } from '../../errors.js';
import { appendFindingEvent } from '../../events/log.js';
import type { CommandContext } from '../../context.js';
import { getFinding, readableFinding } from '../../queries/findings/read.js';
import { applyMove, commitRemediation } from '../remediation/move.js';

/**
 * Staff set a finding's status with a note, through the one transition table
 * (server/remediation/transitions.ts): a move it does not list is refused with a message naming
 * the current status and what is allowed. Into Pending verification records a submission the
 * client made another way (the note is required and becomes the round's notes). While a round is
 * open it offers nothing: the verdict is given on the round (`giveVerdict`), never here. The change,
 * its actor and note go to the history.
 */
export async function changeFindingStatus(deps: AppDeps, ctx: CommandContext, findingId: string, input: FindingStatusInput): Promise<FindingStaffDTO> {
  const f = await readableFinding(deps, ctx, findingId, 'finding.manage');
  if (f.status === input.status) {
    throw validationFailed('status: The finding already has this status.', [{ path: 'status', message: 'The finding already has this status.' }]);
  }
  const now = deps.clock();
  await commitRemediation(deps, async (trx) => {
    const notifications = await applyMove(
      trx,
      ctx,
      findingId,
      { to: input.status, notes: input.note, attachmentIds: [], auditAction: 'finding.status_changed', notesField: 'note', noVerdict: true },
      now,
    );
    // Open finding pages and lists follow the status (remediation:updated is logged by the move).
    await appendFindingEvent(trx, findingId, 'finding:updated', now);
    return { value: null, notifications };
  });
  return getFinding(deps, ctx, findingId);
}
