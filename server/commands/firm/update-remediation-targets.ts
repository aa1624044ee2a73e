import type { AppDeps } from '../../context.js';
import type { RemediationTargetsDTO, RemediationTargetsInput } from '../../contracts/firm.js';
import { remediationDays } from '../../repositories/remediation.js';
import { writeAudit } from '../../audit.js';
import { notFound } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import type { CommandContext } from '../../context.js';

/**
 * Change the remediation targets (admins only). Every published finding's due date follows at
 * once (due dates are computed, never stored); open dashboards reload on their next event.
 */
export async function updateRemediationTargets(deps: AppDeps, ctx: CommandContext, input: RemediationTargetsInput): Promise<RemediationTargetsDTO> {
  authorize(ctx.viewer.user, 'firm.manage');
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const before = await remediationDays(trx);
    const value = JSON.stringify({ critical: input.critical, high: input.high, medium: input.medium, low: input.low });
    const res = await trx.updateTable('firm').set({ remediation_days: value, updated_at: now }).executeTakeFirst();
    if (Number(res.numUpdatedRows) === 0) throw notFound('The firm is not set up yet. Finish the setup first.');
    await writeAudit(
      trx,
      ctx.audit,
      { action: 'firm.remediation_targets_updated', outcome: 'success', targetType: 'firm', targetId: '1', details: { before, after: input } },
      now,
    );
  });
  return remediationDays(deps.db);
}
