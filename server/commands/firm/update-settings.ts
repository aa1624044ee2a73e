import type { AppDeps } from '../../context.js';
import type { FirmSettingsDTO, FirmSettingsInput } from '../../contracts/firm.js';
import { writeAudit } from '../../audit.js';
import { authorize } from '../../policies/index.js';
import type { CommandContext } from '../../context.js';
import { presentFirmSettings } from '../../queries/firm/settings.js';

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
    else
      await trx
        .insertInto('firm')
        .values({ id: 1, mfa_required_for_staff: 0, session_idle_minutes: null, session_absolute_hours: null, created_at: now, ...values })
        .execute();
    const changed = (['name', 'support_email', 'support_phone'] as const).filter((k) => !before || before[k] !== values[k]);
    // The changed settings as they were and as they are now (none of them is a secret).
    const pick = (row: Partial<Record<(typeof changed)[number], string | null>> | undefined) => Object.fromEntries(changed.map((k) => [k, row?.[k] ?? null]));
    await writeAudit(
      trx,
      ctx.audit,
      { action: 'firm.updated', outcome: 'success', targetType: 'firm', targetId: '1', details: { changed, before: pick(before), after: pick(values) } },
      now,
    );
  });
  return presentFirmSettings(await deps.db.selectFrom('firm').selectAll().executeTakeFirst());
}
