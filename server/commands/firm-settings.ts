import type { AppDeps } from '../context.js';
import type { FirmSettingsDTO, FirmSettingsInput, RemediationTargetsDTO, RemediationTargetsInput } from '../contracts/firm.js';
import { remediationDays } from '../repositories/remediation.js';
import type { FirmRow } from '../../db/schema.js';
import { writeAudit } from '../audit.js';
import { forbidden, notFound } from '../errors.js';
import { authorize } from '../policies/index.js';
import type { CommandContext } from './context.js';

/** Company settings as staff see them. */
function presentFirmSettings(f: FirmRow | undefined): FirmSettingsDTO {
  return {
    name: f?.name ?? 'Debrief',
    supportEmail: f?.support_email ?? null,
    supportPhone: f?.support_phone ?? null,
    updatedAt: f ? new Date(f.updated_at).toISOString() : null,
  };
}

/** The firm's name and client-portal support contact (any signed-in staff; portal users read them from their session). */
export async function getFirmSettings(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<FirmSettingsDTO> {
  if (ctx.viewer.user.kind !== 'staff') throw forbidden();
  return presentFirmSettings(await deps.db.selectFrom('firm').selectAll().executeTakeFirst());
}

/**
 * Change the firm's name and support contact (admins only). Portal users see the change on
 * their next page load: the session payload reads the firm row on every request.
 */
export async function updateFirmSettings(deps: AppDeps, ctx: CommandContext, input: FirmSettingsInput): Promise<FirmSettingsDTO> {
  authorize(ctx.viewer.user, 'firm.manage');
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const before = await trx.selectFrom('firm').selectAll().executeTakeFirst();
    const values = { name: input.name, support_email: input.supportEmail, support_phone: input.supportPhone, updated_at: now };
    if (before) await trx.updateTable('firm').set(values).where('id', '=', before.id).execute();
    else await trx.insertInto('firm').values({ id: 1, mfa_required_for_staff: 0, session_idle_minutes: null, session_absolute_hours: null, created_at: now, ...values }).execute();
    const changed = before
      ? (['name', 'support_email', 'support_phone'] as const).filter((k) => before[k] !== values[k])
      : ['name', 'support_email', 'support_phone'];
    await writeAudit(trx, ctx.audit, { action: 'firm.updated', outcome: 'success', targetType: 'firm', targetId: '1', details: { changed } }, now);
  });
  return presentFirmSettings(await deps.db.selectFrom('firm').selectAll().executeTakeFirst());
}

/** The remediation targets (days per severity) any staff member reads; due dates follow them. */
export async function getRemediationTargets(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<RemediationTargetsDTO> {
  if (ctx.viewer.user.kind !== 'staff') throw forbidden();
  return remediationDays(deps.db);
}

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
    if (Number(res.numUpdatedRows) === 0) throw notFound('The firm is not set up yet.');
    await writeAudit(trx, ctx.audit, { action: 'firm.remediation_targets_updated', outcome: 'success', targetType: 'firm', targetId: '1', details: { before, after: input } }, now);
  });
  return remediationDays(deps.db);
}
