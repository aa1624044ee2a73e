import { z } from 'zod';
import type { PairCheck } from './palette.js';

/** The firm's brand (issue 15, points 1–6): colours, logos and favicon. */

const hex = z
  .string({ error: 'a colour like #1e3a5f' })
  .trim()
  .toLowerCase()
  .regex(/^#[0-9a-f]{6}$/, 'a colour like #1e3a5f');
const imageId = z
  .string()
  .regex(/^[0-9a-f]{64}$/, 'an uploaded image')
  .nullable();

/** Two chosen colours (the rest is derived: contracts/palette.ts). */
export const BrandColoursInput = z.object({ primary: hex, accent: hex }).strict();
export type BrandColoursInput = z.output<typeof BrandColoursInput>;

/** PUT /api/firm/brand: the whole brand at once; each image is an id from an upload (or null). */
export const BrandInput = z.object({ primary: hex, accent: hex, logoLight: imageId, logoDark: imageId, favicon: imageId }).strict();
export type BrandInput = z.output<typeof BrandInput>;

/** POST /api/firm/brand/images?kind=: a logo (either variant) or the favicon. */
export const BrandImageQuery = z.object({ kind: z.enum(['logo', 'favicon']) }).strict();

/** A processed image: public, content-addressed URLs (1× and 2×) and the 1× size in pixels. */
export interface BrandImageDTO {
  id: string;
  kind: 'logo' | 'favicon';
  url: string;
  url2x: string;
  width: number;
  height: number;
}

/**
 * GET /api/brand, for every page including the signed-out ones. Its keys are the allowlist
 * (issue 15, point 5): nothing about clients, people, counts, versions or settings.
 */
export interface PublicBrandDTO {
  firmName: string;
  logoLight: BrandImageDTO | null;
  logoDark: BrandImageDTO | null;
  favicon: BrandImageDTO | null;
  colours: { primary: string; accent: string };
  footerHtml: string;
  helpHtml: string;
  /** The firm's support contact (its own public words): the sign-in page names it when it says why someone was signed out. */
  supportEmail: string | null;
  supportPhone: string | null;
}

/** GET/PUT/DELETE /api/firm/brand (admins): the saved brand, whether it is the default, and its checks. */
export interface BrandSettingsDTO {
  primary: string;
  accent: string;
  logoLight: BrandImageDTO | null;
  logoDark: BrandImageDTO | null;
  favicon: BrandImageDTO | null;
  isDefault: boolean;
  updatedAt: string | null;
}

/** POST /api/firm/brand/adjust: the nearest passing shades and the checks of that palette. */
export interface AdjustedColoursDTO {
  primary: string;
  accent: string;
  checks: PairCheck[];
}
