import type { AppDeps } from '../../context.js';
import type { FirmSettingsDTO, RemediationTargetsDTO } from '../../contracts/firm.js';
import { remediationDays } from '../../repositories/remediation.js';
import type { FirmRow } from '../../../db/schema.js';
import { forbidden } from '../../errors.js';
import type { CommandContext } from '../../context.js';

/** Company settings as staff see them. */
export function presentFirmSettings(f: FirmRow | undefined): FirmSettingsDTO {
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

/** The remediation targets (days per severity) any staff member reads; due dates follow them. */
export async function getRemediationTargets(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<RemediationTargetsDTO> {
  if (ctx.viewer.user.kind !== 'staff') throw forbidden();
  return remediationDays(deps.db);
}
