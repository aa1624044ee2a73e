import { z } from 'zod';
import { email } from './api.js';

/** Company settings: the firm's name and the support contact shown on the client portal. */

/** Empty means "none": the browser may send '' or null. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? null : v), schema.nullable());

export const FirmSettingsInput = z
  .object({
    name: z.string().trim().min(1, 'required').max(100, 'at most 100 characters'),
    supportEmail: optional(email),
    supportPhone: optional(z.string().trim().max(40, 'at most 40 characters')),
  })
  .strict();
export type FirmSettingsInput = z.output<typeof FirmSettingsInput>;

/** GET/PUT /api/firm. */
export interface FirmSettingsDTO {
  name: string;
  supportEmail: string | null;
  supportPhone: string | null;
  updatedAt: string | null;
}

const days = z.number({ error: 'a whole number of days' }).int('a whole number of days').min(1, 'at least 1 day').max(3650, 'at most 3650 days');
/** Remediation targets: days from publication per severity (informational findings have none). */
export const RemediationTargetsInput = z.object({ critical: days, high: days, medium: days, low: days }).strict();
export type RemediationTargetsInput = z.output<typeof RemediationTargetsInput>;
/** GET/PUT /api/firm/remediation-targets. */
export type RemediationTargetsDTO = RemediationTargetsInput;
