import type { FindingStatus, Severity } from '../../db/schema.js';
import { OPEN_STATUSES, type ActivityDTO, type FindingSummaryDTO, type ProjectProgressDTO } from '../contracts/portal.js';
import { SEVERITIES, type FindingCounts } from '../contracts/workspace.js';
import type { FindingEventRow, FindingSummaryRow, ReportEventRow, StatusEventRow } from '../repositories/portal.js';
import type { ActivityRow } from '../repositories/activity.js';
import { pick, type VisibilityProfile } from '../visibility/profile.js';
import type { Due } from '../services/deadlines.js';
import { iso } from './iso.js';

/** Presenters for the portal's dashboard, project finding tables and activity feed. */

const STATUS_WORDS: Record<FindingStatus, string> = {
  open: 'Open',
  pending_verification: 'Pending verification',
  verified_fixed: 'Verified fixed',
  not_fixed: 'Not fixed',
  partially_fixed: 'Partially fixed',
  risk_accepted: 'Risk accepted',
  closed: 'Closed',
};
const isOpen = (s: FindingStatus) => (OPEN_STATUSES as readonly FindingStatus[]).includes(s);

/**
 * A row of a project's findings table, through the visibility table (the CVSS score disappears
 * when the client hides CVSS), with its remediation deadline (services/deadlines.ts `dueOf`).
 */
export function presentFindingSummary(f: FindingSummaryRow, due: Due, profile: VisibilityProfile): FindingSummaryDTO {
  return pick<FindingSummaryDTO>('finding', profile, {
    id: () => f.id,
    projectId: () => f.project_id,
    title: () => f.title,
    severity: () => f.severity,
    status: () => f.status,
    cvssScore: () => f.cvss_score,
    dueAt: () => iso(due.dueAt),
    overdue: () => due.overdue,
    duePaused: () => due.paused,
    publishedAt: () => iso(f.published_at),
    updatedAt: () => iso(f.updated_at),
  });
}

/** Zeroed counts for a project without published findings. */
export function emptyCounts(): FindingCounts {
  return { critical: 0, high: 0, medium: 0, low: 0, informational: 0, total: 0, open: 0 };
}

/** Per-project finding counts from grouped rows (published findings only; the query saw to that). */
export function countsByProject(rows: { projectId: string; severity: Severity; status: FindingStatus; n: number }[]): Map<string, FindingCounts> {
  const out = new Map<string, FindingCounts>();
  for (const r of rows) {
    const c = out.get(r.projectId) ?? emptyCounts();
    c[r.severity] += r.n;
    c.total += r.n;
    if (isOpen(r.status)) c.open += r.n;
    out.set(r.projectId, c);
  }
  return out;
}

/** Open findings by severity, every severity present (zero when none). */
export function presentOpenBySeverity(rows: { severity: Severity; n: number }[]): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const r of rows) out[r.severity] += r.n;
  return out;
}

/** Remediation progress with a rounded percentage. */
export function presentProgress(rows: { projectId: string; name: string; total: number; resolved: number }[]): ProjectProgressDTO[] {
  return rows.map((r) => ({ ...r, percent: r.total ? Math.round((100 * r.resolved) / r.total) : 0 }));
}

export interface ActivitySources {
  publications?: FindingEventRow[];
  statusChanges?: StatusEventRow[];
  reports?: ReportEventRow[];
}

/** The sentence of each kind of event, shared by the portal's feeds and staff Home. */
const sentence = {
  published: (title: string) => `New finding published: ${title}`,
  status: (title: string, from: FindingStatus | null, to: FindingStatus) => `${title}: ${STATUS_WORDS[from ?? 'open']} → ${STATUS_WORDS[to]}`,
  report: (title: string, version: number, project: string) => `Report published: ${title} v${version} (${project})`,
};

/** The latest `limit` events, newest first, as short sentences with the portal page they link to. */
export function presentActivity(src: ActivitySources, limit: number): ActivityDTO[] {
  const events: (Omit<ActivityDTO, 'at'> & { ms: number })[] = [
    ...(src.publications ?? []).map((e) => ({
      kind: 'finding_published' as const,
      ms: e.at,
      text: sentence.published(e.title),
      link: `/portal/findings/${e.id}`,
    })),
    ...(src.statusChanges ?? []).map((e) => ({
      kind: 'status_changed' as const,
      ms: e.at,
      text: sentence.status(e.title, e.from_status, e.to_status),
      link: `/portal/findings/${e.id}`,
    })),
    ...(src.reports ?? []).map((e) => ({
      kind: 'report_published' as const,
      ms: e.at,
      text: sentence.report(e.title, e.version, e.project_name),
      link: '/portal/reports',
    })),
  ];
  return events
    .sort((a, b) => b.ms - a.ms)
    .slice(0, limit)
    .map(({ ms, ...e }) => ({ ...e, at: new Date(ms).toISOString() }));
}

/** Where an event links: the portal's pages for a client's people, the staff pages for staff. */
const LINKS = {
  portal: { finding: (id: string) => `/portal/findings/${id}`, report: () => '/portal/reports' },
  staff: { finding: (id: string) => `/staff/findings/${id}`, report: (r: ActivityRow) => `/staff/projects/${r.project_id ?? ''}/reports` },
};

/** One event of the paged feed (`repositories/activity.ts`) as the audience's sentence and link. */
export function presentActivityRow(r: ActivityRow, audience: 'portal' | 'staff'): ActivityDTO {
  const links = LINKS[audience];
  const at = new Date(r.at).toISOString();
  if (r.kind === 'report_published') return { kind: r.kind, at, text: sentence.report(r.title, r.version ?? 1, r.project_name ?? ''), link: links.report(r) };
  const text = r.kind === 'finding_published' ? sentence.published(r.title) : sentence.status(r.title, r.from_status, r.to_status ?? 'open');
  return { kind: r.kind, at, text, link: links.finding(r.id) };
}
