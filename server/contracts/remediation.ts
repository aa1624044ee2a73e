import { z } from 'zod';
import { pageQuery } from './api.js';
import type { AttachmentDTO, AuthorDTO } from './realtime.js';
import { statusNoteRequired, type FindingStatus, type Severity } from './constants.js';
import type { StatusChangeDTO } from './workspace.js';

/** Remediation rounds, verdicts, retest requests and the verification queue: request schemas and payloads. */

/** GET /api/remediation/queue?after=&limit=: 50 waiting findings a page unless asked (at most 200), oldest submission first. */
export const QUEUE_PAGE_DEFAULT = 50;
export const QueuePageQuery = pageQuery(200);
/** GET /api/retests?after=&limit=: 25 requests a page unless asked (at most 100), newest first. */
export const RETEST_PAGE_DEFAULT = 25;
export const RetestPageQuery = pageQuery(100);

const VERDICTS = ['verified_fixed', 'not_fixed', 'partially_fixed'] as const;
export type Verdict = (typeof VERDICTS)[number];
const RETEST_STATUSES = ['requested', 'scheduled', 'done'] as const;
export type RetestStatus = (typeof RETEST_STATUSES)[number];

const notes = z.string().trim().max(5000, 'at most 5000 characters');
const attachmentIds = z.array(z.string().uuid()).max(10, 'at most 10 files').default([]);
const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-01-31')
  .refine((d) => !Number.isNaN(Date.parse(d)), 'a real date');

/** A client Manager marks a finding remediated: notes are required, files (uploaded first) optional. */
export const RemediationSubmitInput = z.object({ notes: notes.min(1, 'required: say what was fixed'), attachmentIds }).strict();
export type RemediationSubmitInput = z.output<typeof RemediationSubmitInput>;

/** The firm's verdict on the waiting round; notes are required unless it is verified fixed. */
export const VerdictInput = z
  .object({ verdict: z.enum(VERDICTS), notes: notes.default(''), attachmentIds })
  .strict()
  .refine((v) => v.verdict === 'verified_fixed' || v.notes.length > 0, { message: 'required: say what is still wrong', path: ['notes'] });
export type VerdictInput = z.output<typeof VerdictInput>;

export { statusNoteRequired };

/** A client Manager asks for a retest of one or several published findings. */
export const RetestRequestInput = z
  .object({
    findingIds: z
      .array(z.string().uuid())
      .min(1, 'choose at least one finding')
      .max(50, 'at most 50 findings')
      .refine((a) => new Set(a).size === a.length, 'a finding is listed twice'),
    message: notes.min(1, 'required'),
  })
  .strict();
export type RetestRequestInput = z.output<typeof RetestRequestInput>;

/** Staff move a retest request along (requested → scheduled → done), optionally with the planned date. */
export const RetestUpdateInput = z.object({ status: z.enum(RETEST_STATUSES), scheduledFor: isoDate.nullable().default(null) }).strict();
export type RetestUpdateInput = z.output<typeof RetestUpdateInput>;

/** One submit-and-verdict round, the same for both sides (it holds nothing internal). */
export interface RoundDTO {
  id: string;
  roundNo: number;
  retestRequestId: string | null;
  submittedBy: AuthorDTO;
  submittedAt: string;
  submitNotes: string;
  submitAttachments: AttachmentDTO[];
  verdict: Verdict | null;
  verdictBy: AuthorDTO | null;
  verdictAt: string | null;
  verdictNotes: string | null;
  verdictAttachments: AttachmentDTO[];
}

/** A retest request with the findings it names and the rounds linked to it. */
export interface RetestDTO {
  id: string;
  clientId: string;
  clientName?: string;
  requestedBy: AuthorDTO;
  message: string;
  status: RetestStatus;
  scheduledFor: string | null;
  findings: { id: string; title: string; severity: Severity; status: FindingStatus }[];
  roundIds: string[];
  createdAt: string;
  updatedAt: string;
}

/** GET /api/retests/eligible: a published finding a Manager may include in a retest request. */
export interface RetestCandidateDTO {
  id: string;
  title: string;
  severity: Severity;
  status: FindingStatus;
  projectId: string;
  projectName: string;
  dueAt: string | null;
  overdue: boolean;
}

/** What the viewer may do on this finding now (the page shows only these buttons; the server checks again). */
interface RemediationAbilities {
  submit: boolean;
  verdict: boolean;
  /** Staff status changes allowed from the current status. */
  statuses: FindingStatus[];
}

/** GET /api/findings/:id/remediation: the due date, the rounds and the status changes, oldest first. */
export interface RemediationDTO {
  findingId: string;
  status: FindingStatus;
  severity: Severity;
  dueAt: string | null;
  overdue: boolean;
  paused: boolean;
  targetDays: number | null;
  rounds: RoundDTO[];
  history: StatusChangeDTO[];
  retests: RetestDTO[];
  can: RemediationAbilities;
}

/** A finding waiting for verification (the staff queue, oldest first). */
export interface QueueItemDTO {
  findingId: string;
  title: string;
  severity: Severity;
  clientId: string;
  clientName: string;
  projectId: string;
  projectName: string;
  roundId: string;
  roundNo: number;
  submittedAt: string;
  submittedBy: AuthorDTO;
  submitNotes: string;
  retestRequestId: string | null;
  /** The retest request the round belongs to, shown with it (the finding is listed once). */
  retest: { id: string; message: string; status: RetestStatus; scheduledFor: string | null; requestedBy: string } | null;
  dueAt: string | null;
}

/** A finding past its due date (dashboards). */
interface OverdueItemDTO {
  findingId: string;
  title: string;
  severity: Severity;
  status: FindingStatus;
  dueAt: string;
  clientId?: string;
  clientName?: string;
}

/** GET /api/remediation/summary: dashboard counts (portal: own client; staff: every client). */
export interface RemediationSummaryDTO {
  overdue: number;
  pending: number;
  verifiedFixed: number;
  /** Published findings with a deadline that still need work. */
  openWithDeadline: number;
  overdueFindings: OverdueItemDTO[];
  openRetests: number;
}
