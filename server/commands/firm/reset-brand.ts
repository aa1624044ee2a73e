import type { AppDeps, CommandContext } from '../../context.js';
import type { BrandSettingsDTO } from '../../contracts/brand.js';
import { writeAudit } from '../../audit.js';
import { authorize } from '../../policies/index.js';
import { deleteBrand, findBrand } from '../../repositories/brand.js';
import { presentBrandSettings } from '../../presenters/brand.js';
import { auditableBrand } from './save-brand.js';

/** "Reset to default": the default colours, no logo, the default favicon (admins). */
export async function resetBrand(deps: AppDeps, ctx: CommandContext): Promise<BrandSettingsDTO> {
  authorize(ctx.viewer.user, 'firm.manage');
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const before = await findBrand(trx);
    await deleteBrand(trx);
    await writeAudit(
      trx,
      ctx.audit,
      { action: 'firm.branding_updated', outcome: 'success', targetType: 'firm', targetId: '1', details: { before: auditableBrand(before), after: 'default' } },
      now,
    );
  });
  deps.bus.publish('brand.updated', {});
  return presentBrandSettings(undefined, []);
}
