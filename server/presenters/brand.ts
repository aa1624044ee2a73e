import type { BrandImageRow, BrandRow } from '../../db/schema.js';
import type { BrandImageDTO, BrandSettingsDTO } from '../contracts/brand.js';
import { DEFAULT_COLOURS } from '../contracts/palette.js';
import { iso } from './iso.js';

/** Brand payloads. Image URLs are content-addressed (`/brand/<sha256>.png`): public and cached forever. */

/** The public URL of a stored brand file (`brand/<sha256>.png`). */
const brandFileUrl = (file: string) => `/${file}`;

export function presentBrandImage(row: BrandImageRow): BrandImageDTO {
  return { id: row.id, kind: row.kind, url: brandFileUrl(row.file_1x), url2x: brandFileUrl(row.file_2x), width: row.width, height: row.height };
}

/** The image `id` among `images`, presented, or null. */
export function imageOf(images: BrandImageRow[], id: string | null | undefined): BrandImageDTO | null {
  const row = id ? images.find((i) => i.id === id) : undefined;
  return row ? presentBrandImage(row) : null;
}

/** The brand as admins edit it (the default colours when none was saved). */
export function presentBrandSettings(brand: BrandRow | undefined, images: BrandImageRow[]): BrandSettingsDTO {
  return {
    primary: brand?.primary_colour ?? DEFAULT_COLOURS.primary,
    accent: brand?.accent_colour ?? DEFAULT_COLOURS.accent,
    logoLight: imageOf(images, brand?.logo_light),
    logoDark: imageOf(images, brand?.logo_dark),
    favicon: imageOf(images, brand?.favicon),
    isDefault: !brand,
    updatedAt: iso(brand?.updated_at),
  };
}
