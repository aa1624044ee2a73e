import type { AppDeps, CommandContext } from '../../context.js';
import type { AuditSettingsDTO, AuditSettingsInput } from '../../contracts/audit.js';
import { writeAudit } from '../../audit.js';
import { authorizeAuditManage } from '../../policies/audit.js';

/**
 * Change who reads the audit log (analysts, read-only, or admins alone) and how long its rows are
 * kept (at least 30 days, or forever: null). Admins only; one short transaction; the audit row
 * carries the values before and after. The retention job reads `audit_retention_days`; an analyst
 * who may no longer read loses the live tail at its next push (server/realtime/audit-tail.ts).
 */
export async function updateAuditSettings(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, input: AuditSettingsInput): Promise<AuditSettingsDTO> {
  authorizeAuditManage(ctx.viewer.user);
  const now = deps.clock();
  const after = { analystsRead: input.analystsRead, retentionDays: input.retentionDays };
  await deps.db.transaction().execute(async (trx) => {
    const firm = await trx.selectFrom('firm').select(['id', 'analysts_read_audit', 'audit_retention_days']).executeTakeFirstOrThrow();
    const before = { analystsRead: firm.analysts_read_audit === 1, retentionDays: firm.audit_retention_days };
    await trx
      .updateTable('firm')
      .set({ analysts_read_audit: input.analystsRead ? 1 : 0, audit_retention_days: input.retentionDays, updated_at: now })
      .where('id', '=', firm.id)
      .execute();
    await writeAudit(
      trx,
      ctx.audit,
      { action: 'firm.audit_settings_updated', outcome: 'success', targetType: 'firm', targetId: String(firm.id), details: { before, after } },
      now,
    );
  });
  return after;
}
