import type { UserRow } from '../../db/schema.js';

/**
 * Rules for the firm's workspace (projects, findings, evidence, reports, firm settings).
 * Portal users may read what belongs to their own client; drafts, internal notes and disabled
 * modules are filtered where the data is loaded (SQL and module checks), not here.
 */

export type WorkspaceAction =
  | 'project.read'
  | 'project.manage'
  | 'finding.read'
  | 'finding.manage'
  | 'evidence.read'
  | 'evidence.readOriginal'
  | 'evidence.manage'
  | 'report.read'
  | 'report.manage'
  | 'dashboard.read'
  | 'activity.read'
  | 'firm.manage';

/** Anything that belongs to one client (a project, a finding, a report, a piece of evidence). */
export type ClientData = { type: 'clientData'; clientId: string };

type Principal = Pick<UserRow, 'kind' | 'role' | 'client_id'>;
type Rule = (v: Principal, r: { type: string; clientId?: string } | undefined) => boolean;

const isStaff = (v: Principal) => v.kind === 'staff';
const isAdmin = (v: Principal) => v.kind === 'staff' && v.role === 'admin';
const ownsData = (v: Principal, r: { type: string; clientId?: string } | undefined) =>
  v.kind === 'portal' && r?.type === 'clientData' && v.client_id !== null && r.clientId === v.client_id;

export const workspaceRules: Record<WorkspaceAction, Rule> = {
  'project.read': (v, r) => isStaff(v) || ownsData(v, r),
  'project.manage': (v) => isStaff(v),
  'finding.read': (v, r) => isStaff(v) || ownsData(v, r),
  'finding.manage': (v) => isStaff(v),
  'evidence.read': (v, r) => isStaff(v) || ownsData(v, r),
  // The unredacted original never reaches a portal user.
  'evidence.readOriginal': (v) => isStaff(v),
  'evidence.manage': (v) => isStaff(v),
  'report.read': (v, r) => isStaff(v) || ownsData(v, r),
  'report.manage': (v) => isStaff(v),
  'dashboard.read': (v, r) => ownsData(v, r),
  // The activity feed: staff firm-wide (their scope, in SQL), a client's people their own.
  'activity.read': (v, r) => isStaff(v) || ownsData(v, r),
  // Analysts do everything except firm settings and staff accounts.
  'firm.manage': (v) => isAdmin(v),
};

/** Whether the viewer may know that a client's data exists at all (else the answer is 404). */
export function canSeeClientData(v: Principal, r: ClientData): boolean {
  return isStaff(v) || (v.kind === 'portal' && v.client_id === r.clientId);
}
