import type { AppDeps } from '../context.js';
import type { FindingStaffDTO, FindingStatusInput } from '../contracts/workspace.js';
import { writeAudit } from '../audit.js';
import { validationFailed } from '../errors.js';
import { auditFor, type CommandContext } from './context.js';
import { getFinding, readableFinding } from './finding-lister.js';
import { appendFindingEvent } from '../events/log.js';

/**
 * Staff set a finding's status (any of the seven for now; a transition table comes with the
 * remediation workflow) with an optional note; the change and its actor go to the history.
 */
export async function changeFindingStatus(deps: AppDeps, ctx: CommandContext, findingId: string, input: FindingStatusInput): Promise<FindingStaffDTO> {
  const f = await readableFinding(deps, ctx, findingId, 'finding.manage');
  if (f.status === input.status) {
    throw validationFailed('status: The finding already has this status.', [{ path: 'status', message: 'The finding already has this status.' }]);
  }
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    await trx.updateTable('findings').set({ status: input.status, updated_at: now }).where('id', '=', findingId).execute();
    await trx
      .insertInto('finding_status_history')
      .values({ finding_id: findingId, from_status: f.status, to_status: input.status, note: input.note, actor_id: ctx.viewer.user.id, at: now })
      .execute();
    await appendFindingEvent(trx, findingId, 'finding:updated', now);
    await writeAudit(trx, auditFor(ctx, f.client_id), {
      action: 'finding.status_changed', outcome: 'success', targetType: 'finding', targetId: findingId, details: { from: f.status, to: input.status },
    }, now);
  });
  deps.bus.publish('events.appended', {});
  return getFinding(deps, ctx, findingId);
}
