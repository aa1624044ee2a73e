import { z } from 'zod';
import { FINDING_SORT_FIRST_DIR, FINDING_SORTS, FINDING_STATUSES, SEVERITIES, type FindingSort, type FindingStatus, type Severity } from './constants.js';
import type { FindingPortalDTO, ProjectDTO, ReportDTO } from './workspace.js';

/**
 * What a client's people read in their portal. Every payload is built by presenters from the
 * visibility table: a field the client hides is absent (not null), and a part of the dashboard
 * that belongs to a module the client may not use is absent too.
 */

/** Finding statuses that still need work from the client (counted as "open"). */
export const OPEN_STATUSES = ['open', 'not_fixed', 'partially_fixed', 'pending_verification'] as const satisfies readonly FindingStatus[];
/** Finding statuses that count as resolved in remediation progress. */
export const RESOLVED_STATUSES = ['verified_fixed', 'closed', 'risk_accepted'] as const satisfies readonly FindingStatus[];

/** Remediation progress of one project: resolved published findings out of all published findings. */
export interface ProjectProgressDTO {
  projectId: string;
  name: string;
  total: number;
  resolved: number;
  /** 0–100, rounded. */
  percent: number;
}

/** One thing that happened that the client may see. */
export interface ActivityDTO {
  kind: 'finding_published' | 'status_changed' | 'report_published';
  /** ISO time. */
  at: string;
  text: string;
  /** Where the page links to (a portal page path). */
  link: string;
}

/** GET /api/portal/dashboard. Parts of a module the client may not use are absent. */
export interface DashboardDTO {
  /** Module 'projects'. */
  activeProjects?: number;
  /** Module 'findings': published findings still open, by severity. */
  openBySeverity?: Record<Severity, number>;
  /** Modules 'projects' and 'findings': only projects with published findings. */
  progress?: ProjectProgressDTO[];
  /** The latest client-visible events (finding and status events need 'findings', reports need 'reports'). */
  recentActivity: ActivityDTO[];
}

/** A row of a project's findings table (the full finding is on its own page). */
export type FindingSummaryDTO = Pick<
  FindingPortalDTO,
  'id' | 'projectId' | 'title' | 'severity' | 'status' | 'cvssScore' | 'dueAt' | 'overdue' | 'duePaused' | 'publishedAt' | 'updatedAt'
>;

/** A row of a project's findings table as staff see it: the summary, and whether it is published. */
export interface FindingRowStaffDTO extends FindingSummaryDTO {
  published: boolean;
}

/** GET /api/portal/projects/:id (its findings come in pages from …/findings). `null` = the module is not enabled for the client. */
export interface PortalProjectDTO {
  project: ProjectDTO;
  reports: ReportDTO[] | null;
}

export { FINDING_SORT_FIRST_DIR, type FindingSort };
export const PORTAL_FINDING_PAGE_DEFAULT = 100;
/**
 * GET /api/portal/projects/:id/findings?sort=&dir=&severity=&status=&after=&limit=: one page of
 * the project's published findings, sorted and filtered by the server. `after` is the `next` of the
 * previous page with the same sort and filters (it carries a title, hence its longer limit).
 */
export const PortalFindingPageQuery = z
  .object({
    sort: z.enum(FINDING_SORTS).optional(),
    dir: z.enum(['asc', 'desc']).optional(),
    severity: z.enum(SEVERITIES).optional(),
    status: z.enum(FINDING_STATUSES).optional(),
    after: z.string().max(2400).optional(),
    limit: z.coerce.number().int('must be a whole number').min(1, 'at least 1').max(200, 'at most 200').optional(),
  })
  .strict();
export type PortalFindingPageQuery = z.infer<typeof PortalFindingPageQuery>;

/** One page of a project's findings table, and how many findings match the filters in all. */
export interface PortalFindingPageDTO {
  findings: FindingSummaryDTO[];
  next: string | null;
  matching: number;
}
