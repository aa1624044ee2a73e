import { z } from 'zod';
import { pageFields, pageQuery } from './api.js';
import { FINDING_STATUSES, PROJECT_STATUSES, SEVERITIES, type FindingStatus, type ProjectStatus, type Severity } from './constants.js';

/** Projects, findings, evidence and reports: request schemas and the payloads each audience gets. */

/** The client settings that can hide finding fields from that client's users. */
export const HIDE_KEYS = ['cvss', 'technicalDetails', 'references', 'evidence'] as const;
export type HideKey = (typeof HIDE_KEYS)[number];

export { FINDING_STATUSES, SEVERITIES, type FindingStatus, type ProjectStatus, type Severity };
export const MODULES = ['projects', 'findings', 'reports', 'chat', 'activity'] as const;
export type Module = (typeof MODULES)[number];

const isoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'a date like 2026-01-31')
  .refine((d) => !Number.isNaN(Date.parse(d)), 'a real date');
const markdown = (max: number) => z.string().max(max, `at most ${max} characters`);
const url = z
  .string()
  .trim()
  .max(2000)
  .refine((u) => /^https?:\/\//i.test(u) && URL.canParse(u), 'an http(s) URL');

export const ProjectInput = z
  .object({
    name: z.string().trim().min(1, 'required').max(200),
    status: z.enum(PROJECT_STATUSES).default('planned'),
    startDate: isoDate.nullable().default(null),
    endDate: isoDate.nullable().default(null),
    description: markdown(20_000).default(''),
    teamUserIds: z.array(z.string().uuid()).max(50).default([]),
  })
  .strict()
  .refine((p) => !p.startDate || !p.endDate || p.startDate <= p.endDate, { message: 'The end date is before the start date.', path: ['endDate'] });
export const ProjectPatch = z
  .object({
    name: z.string().trim().min(1).max(200),
    status: z.enum(PROJECT_STATUSES),
    startDate: isoDate.nullable(),
    endDate: isoDate.nullable(),
    description: markdown(20_000),
    teamUserIds: z.array(z.string().uuid()).max(50),
  })
  .partial()
  .strict();

const findingFields = {
  title: z.string().trim().min(1, 'required').max(300),
  severity: z.enum(SEVERITIES),
  description: markdown(50_000),
  impact: markdown(20_000),
  remediation: markdown(20_000),
  technicalDetails: markdown(100_000),
  /** Validated and scored on the server; the score is never accepted from a client. */
  cvssVector: z.string().trim().max(300).nullable(),
  references: z.array(url).max(50),
  affectedAssets: z.array(z.string().trim().min(1).max(500)).max(500),
  internalNotes: markdown(50_000),
};
export const FindingInput = z
  .object({
    ...findingFields,
    description: findingFields.description.default(''),
    impact: findingFields.impact.default(''),
    remediation: findingFields.remediation.default(''),
    technicalDetails: findingFields.technicalDetails.default(''),
    cvssVector: findingFields.cvssVector.default(null),
    references: findingFields.references.default([]),
    affectedAssets: findingFields.affectedAssets.default([]),
    internalNotes: findingFields.internalNotes.default(''),
  })
  .strict();
/** An edit names the version it was based on: a stale version gets 409 instead of overwriting a colleague. */
export const FindingPatch = z.object(findingFields).partial().extend({ version: z.number().int().positive() }).strict();

/**
 * A payload either audience may receive, for code both share (a page, a feed event): the staff
 * DTO, or the portal one with every staff-only field typed as absent. The presenters return the
 * exact type for an exact profile.
 */
type EitherAudience<Portal, Staff extends Portal> = Staff | (Portal & { [K in Exclude<keyof Staff, keyof Portal>]?: never });

interface StatusChangePortalDTO {
  from: FindingStatus | null;
  to: FindingStatus;
  note: string;
  at: string;
  actorName: string | null;
}
export interface StatusChangeStaffDTO extends StatusChangePortalDTO {
  actorId: string | null;
}
export type StatusChangeDTO = EitherAudience<StatusChangePortalDTO, StatusChangeStaffDTO>;

interface EvidencePortalDTO {
  id: string;
  findingId: string;
  kind: 'image' | 'file';
  caption: string;
  width: number | null;
  height: number | null;
  url: string | null;
  thumbUrl: string | null;
  createdAt: string;
}
export interface EvidenceStaffDTO extends EvidencePortalDTO {
  originalName: string;
  mime: string;
  size: number;
  redactions: { x: number; y: number; w: number; h: number }[];
  shared: boolean;
  originalUrl: string;
}
export type EvidenceDTO = EitherAudience<EvidencePortalDTO, EvidenceStaffDTO>;

/** A finding as a client's user sees it: hideable fields are absent (not null) when the client hides them. */
export interface FindingPortalDTO {
  id: string;
  projectId: string;
  projectName: string;
  title: string;
  severity: Severity;
  status: FindingStatus;
  descriptionHtml: string;
  impactHtml: string;
  remediationHtml: string;
  technicalDetailsHtml?: string;
  cvssVersion?: '3.1' | '4.0' | null;
  cvssVector?: string | null;
  cvssScore?: number | null;
  references?: string[];
  affectedAssets: string[];
  evidence?: EvidenceDTO[];
  statusHistory: StatusChangeDTO[];
  /** Remediation deadline (ISO; null for informational or unpublished findings), and whether it has passed while the finding still needs work. */
  dueAt: string | null;
  overdue: boolean;
  /** The deadline clock is stopped: the finding waits for verification. */
  duePaused: boolean;
  publishedAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A finding as the firm's staff see it: everything, including markdown sources and internal notes. */
export interface FindingStaffDTO extends Required<Omit<FindingPortalDTO, 'evidence'>> {
  evidence: EvidenceDTO[];
  clientId: string;
  description: string;
  impact: string;
  remediation: string;
  technicalDetails: string;
  internalNotes: string;
  published: boolean;
  version: number;
  createdBy: string | null;
}

export type FindingCounts = Record<Severity, number> & { total: number; open: number };

interface ProjectPortalDTO {
  id: string;
  name: string;
  status: ProjectStatus;
  startDate: string | null;
  endDate: string | null;
  description: string;
  findingCounts: FindingCounts;
  createdAt: string;
  updatedAt: string;
}
export interface ProjectStaffDTO extends ProjectPortalDTO {
  clientId: string;
  clientName: string | null;
  /** Absent where the team was not loaded (lists). */
  team: { id: string; name: string }[] | undefined;
}
export type ProjectDTO = EitherAudience<ProjectPortalDTO, ProjectStaffDTO>;

interface ReportPortalDTO {
  id: string;
  projectId: string;
  projectName: string;
  title: string;
  version: number;
  originalName: string;
  size: number;
  sha256: string;
  publishedAt: string | null;
  createdAt: string;
  downloadUrl: string;
}
export interface ReportStaffDTO extends ReportPortalDTO {
  clientId: string;
  published: boolean;
  damagedAt: string | null;
  createdBy: string | null;
}
export type ReportDTO = EitherAudience<ReportPortalDTO, ReportStaffDTO>;

/** A staff status change on a finding (the note is shown to the client with the history). */
/** The staff Projects page lists planned and active projects apart from completed and archived ones. */
export const PROJECT_PHASES = { current: ['planned', 'active'], done: ['completed', 'archived'] } as const satisfies Record<string, readonly ProjectStatus[]>;
export const PROJECT_PAGE_DEFAULT = 50;
/** GET /api/projects?phase=&after=&limit= (`after`: the `next` cursor of the previous page). */
export const ProjectPageQuery = z.object({ phase: z.enum(['current', 'done']).optional(), ...pageFields(200) }).strict();
export type ProjectPageQuery = z.infer<typeof ProjectPageQuery>;

/** How many rows one page of a project's findings carries unless asked (at most 500). */
export const FINDING_PAGE_DEFAULT = 200;
/** GET /api/projects/:id/findings?after=&limit= (`after`: the `next` cursor of the previous page). */
export const FindingPageQuery = pageQuery(500);
export type FindingPageQuery = z.infer<typeof FindingPageQuery>;

export const FindingStatusInput = z
  .object({ status: z.enum(FINDING_STATUSES), note: z.string().trim().max(2000, 'at most 2000 characters').default('') })
  .strict();

export type ProjectInput = z.output<typeof ProjectInput>;
export type ProjectPatch = z.output<typeof ProjectPatch>;
export type FindingInput = z.output<typeof FindingInput>;
export type FindingPatch = z.output<typeof FindingPatch>;
export type FindingStatusInput = z.output<typeof FindingStatusInput>;
