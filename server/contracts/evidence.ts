import { z } from 'zod';
import { CAPTION_MAX, MAX_REDACTIONS } from './constants.js';
import type { EvidenceDTO } from './workspace.js';

/** Evidence files on a finding: request schemas and answers (the DTO itself is in workspace.ts). */

const caption = z.string().trim().max(CAPTION_MAX, `at most ${CAPTION_MAX} characters`);
const coord = z.number().int('a whole number of pixels').min(0, 'inside the image');
const extent = z.number().int('a whole number of pixels').min(1, 'at least 1 pixel');

/** Upload query: the file is the raw body; its name is only a label. */
export const EvidenceUploadQuery = z.object({ name: z.string().max(1000).optional(), caption: caption.optional() }).strict();

/** One redaction rectangle, in pixels of the upright original image. */
export const RedactionRect = z.object({ x: coord, y: coord, w: extent, h: extent }).strict();
export type RedactionRect = z.infer<typeof RedactionRect>;

/** The complete set of rectangles (replaces the previous set; [] removes every redaction). */
export const RedactionsInput = z.object({ rectangles: z.array(RedactionRect).max(MAX_REDACTIONS, `at most ${MAX_REDACTIONS} rectangles`) }).strict();
export type RedactionsInput = z.infer<typeof RedactionsInput>;

export const EvidencePatch = z
  .object({ caption, shared: z.boolean() })
  .partial()
  .strict()
  .refine((o) => o.caption !== undefined || o.shared !== undefined, 'Nothing to change.');
export type EvidencePatch = z.infer<typeof EvidencePatch>;

/** GET /findings/:id/evidence. */
export interface EvidenceListDTO {
  finding: { id: string; title: string; projectId: string; published?: boolean };
  evidence: EvidenceDTO[];
}
