import { createHash } from 'node:crypto';
import type { AppDeps, CommandContext } from '../../context.js';
import type { AdjustedColoursDTO, BrandColoursInput, BrandSettingsDTO, PublicBrandDTO } from '../../contracts/brand.js';
import { adjustColours, checkPalette, DEFAULT_COLOURS, derivePalette } from '../../contracts/palette.js';
import { authorize } from '../../policies/index.js';
import { findBrand, findBrandImages, loadBrand } from '../../repositories/brand.js';
import { imageOf, presentBrandSettings } from '../../presenters/brand.js';
import { publicMessages, supportContact } from '../../messages.js';

/**
 * The one public read of the brand (GET /api/brand), for every page including the signed-out
 * ones. Built key by key from the allowlist: nothing about clients, people, counts or settings.
 */
export async function publicBrand(deps: Pick<AppDeps, 'db'>): Promise<PublicBrandDTO> {
  const { brand, images, firmName } = await loadBrand(deps.db);
  const [messages, support] = await Promise.all([publicMessages(deps.db), supportContact(deps.db)]);
  return {
    firmName: firmName ?? 'Debrief',
    logoLight: imageOf(images, brand?.logo_light),
    logoDark: imageOf(images, brand?.logo_dark),
    favicon: imageOf(images, brand?.favicon),
    colours: { primary: brand?.primary_colour ?? DEFAULT_COLOURS.primary, accent: brand?.accent_colour ?? DEFAULT_COLOURS.accent },
    footerHtml: messages.footerHtml,
    helpHtml: messages.helpHtml,
    supportEmail: support.supportEmail,
    supportPhone: support.supportPhone,
  };
}

/** The saved brand as admins edit it (Settings → Branding). */
export async function brandSettings(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<BrandSettingsDTO> {
  authorize(ctx.viewer.user, 'firm.manage');
  const { brand, images } = await loadBrand(deps.db);
  return presentBrandSettings(brand, images);
}

/** "Adjust for me": the nearest passing shades (nothing is saved). */
export function adjustBrandColours(ctx: CommandContext, input: BrandColoursInput): AdjustedColoursDTO {
  authorize(ctx.viewer.user, 'firm.manage');
  const adjusted = adjustColours(input.primary, input.accent);
  return { ...adjusted, checks: checkPalette(derivePalette(adjusted.primary, adjusted.accent)) };
}

/**
 * The brand's colours as a stylesheet (GET /brand.css), linked from the page's HTML so the first
 * paint is right. `:root:root` outranks app.css's defaults whatever order the two load in.
 */
export async function brandStylesheet(deps: Pick<AppDeps, 'db'>): Promise<{ css: string; etag: string }> {
  const brand = await findBrand(deps.db);
  const p = derivePalette(brand?.primary_colour ?? DEFAULT_COLOURS.primary, brand?.accent_colour ?? DEFAULT_COLOURS.accent);
  const css =
    `:root:root{--brand:${p.brand};--brand-hover:${p.brandHover};--brand-soft:${p.brandSoft};--on-brand:${p.onBrand};` +
    `--accent:${p.accent};--on-accent:${p.onAccent};--focus:${p.focus}}\n`;
  return { css, etag: `"${createHash('sha256').update(css).digest('hex').slice(0, 32)}"` };
}

/** The current favicon's stored file (its 2× PNG, which browsers scale down), or null for the default. */
export async function brandFavicon(deps: Pick<AppDeps, 'db'>): Promise<string | null> {
  const brand = await findBrand(deps.db);
  const [image] = await findBrandImages(deps.db, [brand?.favicon ?? null]);
  return image?.file_2x ?? null;
}
