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
