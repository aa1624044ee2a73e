import type { MemberDTO, PortalRole, StaffRole } from '$contracts/users';

/** A role as a person reads it, with what it may do (for the role picker). */
export interface RoleOption {
  value: StaffRole | PortalRole;
  label: string;
  description: string;
}

/** What the add/edit dialog hands back (email is ignored when editing). */
export interface MemberForm {
  email: string;
  name: string;
  role: string;
}

export const STAFF_ROLE_OPTIONS: RoleOption[] = [
  { value: 'analyst', label: 'Analyst', description: 'Clients, projects, findings and reports.' },
  { value: 'admin', label: 'Administrator', description: 'Everything, including staff accounts, the outbox and firm settings.' },
];

/** Nobody can be given more than Manager in a client's portal. */
export const PORTAL_ROLE_OPTIONS: RoleOption[] = [
  { value: 'viewer', label: 'Viewer', description: 'Reads findings and downloads reports.' },
  { value: 'collaborator', label: 'Collaborator', description: 'A Viewer who can also comment.' },
  { value: 'manager', label: 'Manager', description: "A Collaborator who can mark findings remediated, request retests and manage this portal's users." },
];

const ROLE_LABELS: Record<string, string> = Object.fromEntries([...STAFF_ROLE_OPTIONS, ...PORTAL_ROLE_OPTIONS].map((r) => [r.value, r.label]));
export const roleLabel = (role: MemberDTO['role']) => ROLE_LABELS[role] ?? role;
