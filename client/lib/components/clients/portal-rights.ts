import type { ClientDTO } from '$contracts/clients';

/**
 * What each portal role may do, as shown beside a client's module switches. The rules themselves
 * live in server/policies/; each right names the policy actions it stands for, and
 * tests/unit/portal-rights.test.ts checks every tick (and every dash) against can(), so this table
 * can't drift from what the server enforces.
 */
export const PORTAL_ROLES = ['viewer', 'collaborator', 'manager'] as const;
export const PORTAL_ROLE_LABELS = { viewer: 'Viewer', collaborator: 'Collaborator', manager: 'Manager' } as const;

export interface PortalRight {
  what: string;
  /** The module whose switch takes this right away from everyone (null: no module). */
  module: keyof ClientDTO['modules'] | null;
  /** The policy actions (server/policies) this right is; a role has it when it may take them all. */
  actions: readonly string[];
  /** viewer, collaborator, manager */
  roles: readonly [boolean, boolean, boolean];
}

export const PORTAL_RIGHTS: readonly PortalRight[] = [
  { what: 'Read published findings', module: 'findings', actions: ['finding.read'], roles: [true, true, true] },
  { what: 'Download published reports', module: 'reports', actions: ['report.read'], roles: [true, true, true] },
  { what: 'Comment on findings', module: 'findings', actions: ['comment.write'], roles: [false, true, true] },
  { what: 'Chat with your staff', module: 'chat', actions: ['chat.write'], roles: [false, true, true] },
  { what: 'Mark remediated, request retests', module: 'findings', actions: ['remediation.submit', 'retest.request'], roles: [false, false, true] },
  { what: "Manage the portal's users", module: null, actions: ['portalUser.manage'], roles: [false, false, true] },
];
