import type { AppDeps, CommandContext } from '../../context.js';
import type { BrandInput, BrandSettingsDTO } from '../../contracts/brand.js';
import { failingPairs } from '../../contracts/palette.js';
import { writeAudit } from '../../audit.js';
import { unprocessable } from '../../errors.js';
import { authorize } from '../../policies/index.js';
import { findBrand, findBrandImages, loadBrand, saveBrand } from '../../repositories/brand.js';
import { presentBrandSettings } from '../../presenters/brand.js';
import type { BrandRow } from '../../../db/schema.js';

/** What an audit row may say about a brand: colours and image ids (non-secret), never file contents. */
export const auditableBrand = (b: BrandRow | undefined) =>
  b ? { primary: b.primary_colour, accent: b.accent_colour, logoLight: b.logo_light, logoDark: b.logo_dark, favicon: b.favicon } : 'default';

/**
 * Save the firm's brand (admins). Every colour pair the app paints must pass WCAG AA, else 422
 * naming each failing pair with its ratio, and nothing is saved. Each image must be an upload of
 * the right kind. Open pages are told after commit (`brand.updated`: a push with no data).
 */
export async function saveBrandSettings(deps: AppDeps, ctx: CommandContext, input: BrandInput): Promise<BrandSettingsDTO> {
  authorize(ctx.viewer.user, 'firm.manage');
  const failing = failingPairs(input.primary, input.accent);
  if (failing.length) {
    const list = failing.map((f) => `${f.name}: ${f.ratio}:1 (needs ${f.required}:1)`).join('; ');
    throw unprocessable(`These colours are hard to read. ${list}. Try "Adjust for me".`, { failing });
  }
  const now = deps.clock();
  await deps.db.transaction().execute(async (trx) => {
    const images = await findBrandImages(trx, [input.logoLight, input.logoDark, input.favicon]);
    const kindOf = (id: string | null) => (id ? images.find((i) => i.id === id)?.kind : undefined);
    for (const [field, kind] of [
      ['logoLight', 'logo'],
      ['logoDark', 'logo'],
      ['favicon', 'favicon'],
    ] as const) {
      if (input[field] && kindOf(input[field]) !== kind)
        throw unprocessable(`Upload the ${kind === 'logo' ? 'logo' : 'favicon'} again: the image given was not found.`, { field });
    }
    const before = await findBrand(trx);
    const row = {
      primary_colour: input.primary,
      accent_colour: input.accent,
      logo_light: input.logoLight,
      logo_dark: input.logoDark,
      favicon: input.favicon,
      updated_at: now,
    };
    await saveBrand(trx, row);
    await writeAudit(
      trx,
      ctx.audit,
      {
        action: 'firm.branding_updated',
        outcome: 'success',
        targetType: 'firm',
        targetId: '1',
        details: { before: auditableBrand(before), after: auditableBrand({ id: 1, ...row }) },
      },
      now,
    );
  });
  deps.bus.publish('brand.updated', {});
  const { brand, images } = await loadBrand(deps.db);
  return presentBrandSettings(brand, images);
}
