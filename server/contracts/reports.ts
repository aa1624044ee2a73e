import { z } from 'zod';
import { REPORT_TITLE_MAX } from './constants.js';
import type { ReportDTO } from './workspace.js';

/** Report PDFs on a project: request schemas and answers (the DTO itself is in workspace.ts). */

/** Upload query: the PDF is the raw body; `name` is only a label for the download. */
export const ReportUploadQuery = z
  .object({
    title: z.string().trim().min(1, 'required').max(REPORT_TITLE_MAX, `at most ${REPORT_TITLE_MAX} characters`),
    name: z.string().max(1000).optional(),
  })
  .strict();

export const ReportPatch = z.object({ published: z.boolean() }).strict();
export type ReportPatch = z.infer<typeof ReportPatch>;

/** GET /projects/:id/reports: every version for staff, published ones for the client. */
export interface ProjectReportsDTO {
  project: { id: string; name: string };
  reports: ReportDTO[];
}

/** The message a damaged report download is refused with. */
export const REPORT_DAMAGED_MESSAGE = 'The report file is damaged; your provider has been told.';
