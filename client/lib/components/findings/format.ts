import type { FindingStatus, ProjectStatus, Severity } from '$contracts/workspace';
import { PROJECT_STATUSES, SEVERITIES } from '$contracts/constants';

/** Labels people read for severities and statuses, in the order pickers show them. */

export const SEVERITY_LABELS: Record<Severity, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', informational: 'Informational' };
export const FINDING_STATUS_LABELS: Record<FindingStatus, string> = {
  open: 'Open',
  pending_verification: 'Pending verification',
  verified_fixed: 'Verified fixed',
  not_fixed: 'Not fixed',
  partially_fixed: 'Partially fixed',
  risk_accepted: 'Risk accepted',
  closed: 'Closed',
};
export const PROJECT_STATUS_LABELS: Record<ProjectStatus, string> = { planned: 'Planned', active: 'Active', completed: 'Completed', archived: 'Archived' };

export interface Choice {
  value: string;
  label: string;
}
export const SEVERITY_CHOICES: Choice[] = SEVERITIES.map((s) => ({ value: s, label: SEVERITY_LABELS[s] }));
export const PROJECT_STATUS_CHOICES: Choice[] = PROJECT_STATUSES.map((s) => ({ value: s, label: PROJECT_STATUS_LABELS[s] }));

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });

/** An ISO moment for people ("22 Nov 2026, 16:45"). */
export const formatMoment = (iso: string | null, fallback = '—') => (iso ? dateTime.format(new Date(iso)) : fallback);
/** A calendar date (YYYY-MM-DD) for people, without time-zone drift. */
const formatDay = (day: string | null, fallback = '—') => (day ? dateOnly.format(new Date(`${day}T00:00:00Z`)) : fallback);
/** "5 Jan 2026 – 30 Jan 2026", "From 5 Jan 2026", or "No dates yet". */
export function formatRange(start: string | null, end: string | null): string {
  if (start && end) return `${formatDay(start)} – ${formatDay(end)}`;
  if (start) return `From ${formatDay(start)}`;
  if (end) return `Until ${formatDay(end)}`;
  return 'No dates yet';
}
/** A CVSS score with one decimal, or an em dash. */
export const formatScore = (score: number | null | undefined) => (score == null ? '—' : score.toFixed(1));
