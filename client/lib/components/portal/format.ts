import type { FindingStatus, Severity } from '$contracts/workspace';
import type { ProjectStatus } from '$contracts/workspace';

/** Words the portal pages share. */

export const SEVERITY_LABEL: Record<Severity, string> = { critical: 'Critical', high: 'High', medium: 'Medium', low: 'Low', informational: 'Informational' };
/** The CSS colour variable of a severity (from app.css). */
export const SEVERITY_COLOUR: Record<Severity, string> = {
  critical: 'var(--sev-critical)',
  high: 'var(--sev-high)',
  medium: 'var(--sev-medium)',
  low: 'var(--sev-low)',
  informational: 'var(--sev-info)',
};
export const STATUS_LABEL: Record<FindingStatus, string> = {
  open: 'Open',
  pending_verification: 'Pending verification',
  verified_fixed: 'Verified fixed',
  not_fixed: 'Not fixed',
  partially_fixed: 'Partially fixed',
  risk_accepted: 'Risk accepted',
  closed: 'Closed',
};
export const PROJECT_STATUS_LABEL: Record<ProjectStatus, string> = { planned: 'Planned', active: 'Active', completed: 'Completed', archived: 'Archived' };

const dateFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
const timeFmt = new Intl.DateTimeFormat(undefined, { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' });
/** 12 Mar 2026 (from an ISO time or a YYYY-MM-DD date). */
export const formatDate = (iso: string | null | undefined) => (iso ? dateFmt.format(new Date(iso.length === 10 ? `${iso}T00:00:00` : iso)) : '—');
/** 12 Mar 2026, 14:05. */
export const formatTime = (iso: string | null | undefined) => (iso ? timeFmt.format(new Date(iso)) : '—');
