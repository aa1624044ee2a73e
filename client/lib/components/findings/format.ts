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

/** A CVSS score with one decimal, or an em dash. */
export const formatScore = (score: number | null | undefined) => (score == null ? '—' : score.toFixed(1));
