import type { UserRow } from '../../db/schema.js';
import type { MemberDTO } from '../contracts/users.js';

export type MemberRow = Pick<UserRow, 'id' | 'name' | 'email' | 'role' | 'status' | 'last_login_at' | 'held_email' | 'held_reason'> & {
  invited_at: number | null;
};

/**
 * An account as the people who manage it see it: built field by field, never a hash or secret.
 * A held invitation shows the address that was typed; only staff learn that it was held (a
 * client Manager's answer has the same fields as for any invitation).
 */
export function presentMember(u: MemberRow, audience: 'staff' | 'portal'): MemberDTO {
  return {
    id: u.id,
    name: u.name,
    email: u.held_email ?? u.email,
    role: u.role,
    status: u.status,
    lastLoginAt: u.last_login_at,
    invitedAt: u.invited_at === null ? null : Number(u.invited_at),
    ...(audience === 'staff' && u.held_reason ? { held: u.held_reason } : {}),
  };
}
