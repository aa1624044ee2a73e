import type { EvidenceRow, FindingRow, ProjectRow, ReportRow } from '../../db/schema.js';
import type {
  EvidenceDTO,
  EvidenceStaffDTO,
  FindingCounts,
  FindingPortalDTO,
  FindingStaffDTO,
  ProjectDTO,
  ProjectStaffDTO,
  ReportDTO,
  ReportStaffDTO,
  StatusChangeDTO,
  StatusChangeStaffDTO,
} from '../contracts/workspace.js';
import { renderMarkdown } from '../services/markdown.js';
import type { Due } from '../services/deadlines.js';
import { pick, STAFF_PROFILE, type VisibilityProfile } from '../visibility/profile.js';
import { isPublished, isShared } from '../policies/access.js';
import { iso } from './iso.js';
import type { FindingListRow, StatusChangeRow } from '../repositories/findings.js';
import type { FindingRowStaffDTO } from '../contracts/portal.js';
import { presentFindingSummary } from './dashboard.js';

/**
 * Presenters: pure functions from rows to the payload one audience may receive. Each offers
 * every value it could send; `pick` keeps only what the visibility table allows the profile.
 */

const jsonArray = (s: string): string[] => {
  try {
    const v = JSON.parse(s);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
};

export type { StatusChangeRow };

export function presentStatusChange(r: StatusChangeRow, profile: VisibilityProfile & { audience: 'staff' }): StatusChangeStaffDTO;
export function presentStatusChange(r: StatusChangeRow, profile: VisibilityProfile): StatusChangeDTO;
export function presentStatusChange(r: StatusChangeRow, profile: VisibilityProfile): StatusChangeDTO {
  return pick<StatusChangeStaffDTO>('statusChange', profile, {
    from: () => r.from_status,
    to: () => r.to_status,
    note: () => r.note,
    at: () => iso(r.at),
    actorName: () => r.actor_name,
    actorId: () => r.actor_id,
  });
}

/** Evidence: portal users only ever get the client copy's URL; the original's is staff-only. */
export function presentEvidence(e: EvidenceRow, profile: VisibilityProfile & { audience: 'staff' }): EvidenceStaffDTO;
export function presentEvidence(e: EvidenceRow, profile: VisibilityProfile): EvidenceDTO;
export function presentEvidence(e: EvidenceRow, profile: VisibilityProfile): EvidenceDTO {
  return pick<EvidenceStaffDTO>('evidence', profile, {
    id: () => e.id,
    findingId: () => e.finding_id,
    kind: () => e.kind,
    caption: () => e.caption,
    width: () => e.width,
    height: () => e.height,
    url: () => (e.client_file ? `/api/evidence/${e.id}/file` : null),
    thumbUrl: () => (e.client_thumb_file ? `/api/evidence/${e.id}/thumb` : null),
    createdAt: () => iso(e.created_at),
    originalName: () => e.original_name,
    mime: () => e.mime,
    size: () => e.size,
    redactions: () => JSON.parse(e.redactions),
    shared: () => isShared(e),
    originalUrl: () => `/api/evidence/${e.id}/original`,
  });
}

export interface FindingExtras {
  projectName: string;
  history: StatusChangeRow[];
  /** For a portal profile, only evidence already filtered to what the client may see. */
  evidence: EvidenceRow[];
  /** The remediation deadline (services/deadlines.ts `dueOf`); without it the finding shows none. */
  due?: Due;
}

export function presentFinding(f: FindingRow, extras: FindingExtras, profile: VisibilityProfile & { audience: 'staff' }): FindingStaffDTO;
export function presentFinding(f: FindingRow, extras: FindingExtras, profile: VisibilityProfile): FindingPortalDTO;
/** A finding for one audience; markdown is rendered and sanitised here, so pages never see raw HTML from authors. */
export function presentFinding(f: FindingRow, extras: FindingExtras, profile: VisibilityProfile): FindingPortalDTO | FindingStaffDTO {
  return pick<FindingStaffDTO>('finding', profile, {
    id: () => f.id,
    projectId: () => f.project_id,
    projectName: () => extras.projectName,
    clientId: () => f.client_id,
    title: () => f.title,
    severity: () => f.severity,
    status: () => f.status,
    descriptionHtml: () => renderMarkdown(f.description),
    impactHtml: () => renderMarkdown(f.impact),
    remediationHtml: () => renderMarkdown(f.remediation),
    technicalDetailsHtml: () => renderMarkdown(f.technical_details),
    cvssVersion: () => f.cvss_version,
    cvssVector: () => f.cvss_vector,
    cvssScore: () => f.cvss_score,
    references: () => jsonArray(f.references_json),
    affectedAssets: () => jsonArray(f.affected_assets_json),
    evidence: () => extras.evidence.map((e) => presentEvidence(e, profile)),
    statusHistory: () => extras.history.map((h) => presentStatusChange(h, profile)),
    dueAt: () => iso(extras.due?.dueAt),
    overdue: () => extras.due?.overdue ?? false,
    duePaused: () => extras.due?.paused ?? false,
    publishedAt: () => iso(f.published_at),
    createdAt: () => iso(f.created_at),
    updatedAt: () => iso(f.updated_at),
    description: () => f.description,
    impact: () => f.impact,
    remediation: () => f.remediation,
    technicalDetails: () => f.technical_details,
    internalNotes: () => f.internal_notes,
    published: () => isPublished(f),
    version: () => f.version,
    createdBy: () => f.created_by,
  });
}

export interface ProjectExtras {
  counts: FindingCounts;
  clientName?: string;
  team?: { id: string; name: string }[];
}

export function presentProject(p: ProjectRow, extras: ProjectExtras, profile: VisibilityProfile & { audience: 'staff' }): ProjectStaffDTO;
export function presentProject(p: ProjectRow, extras: ProjectExtras, profile: VisibilityProfile): ProjectDTO;
export function presentProject(p: ProjectRow, extras: ProjectExtras, profile: VisibilityProfile): ProjectDTO {
  return pick<ProjectStaffDTO>('project', profile, {
    id: () => p.id,
    clientId: () => p.client_id,
    clientName: () => extras.clientName ?? null,
    name: () => p.name,
    status: () => p.status,
    startDate: () => p.start_date,
    endDate: () => p.end_date,
    description: () => p.description,
    team: () => extras.team ?? [],
    findingCounts: () => extras.counts,
    createdAt: () => iso(p.created_at),
    updatedAt: () => iso(p.updated_at),
  });
}

export function presentReport(r: ReportRow, projectName: string, profile: VisibilityProfile & { audience: 'staff' }): ReportStaffDTO;
export function presentReport(r: ReportRow, projectName: string, profile: VisibilityProfile): ReportDTO;
export function presentReport(r: ReportRow, projectName: string, profile: VisibilityProfile): ReportDTO {
  return pick<ReportStaffDTO>('report', profile, {
    id: () => r.id,
    projectId: () => r.project_id,
    projectName: () => projectName,
    title: () => r.title,
    version: () => r.version,
    originalName: () => r.original_name,
    size: () => r.size,
    sha256: () => r.sha256,
    publishedAt: () => iso(r.published_at),
    createdAt: () => iso(r.created_at),
    downloadUrl: () => `/api/reports/${r.id}/download`,
    clientId: () => r.client_id,
    published: () => isPublished(r),
    damagedAt: () => iso(r.damaged_at),
    createdBy: () => r.created_by,
  });
}

/** A row of a project's findings table for staff: the summary the portal's table has, and whether it is published. */
export function presentFindingRow(f: FindingListRow, due: Due): FindingRowStaffDTO {
  return { ...presentFindingSummary(f, due, STAFF_PROFILE), published: isPublished(f) };
}
