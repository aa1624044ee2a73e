import type { UserRow } from '../../db/schema.js';
import type { MemberDTO } from '../contracts/users.js';

export type MemberRow = Pick<UserRow, 'id' | 'name' | 'email' | 'role' | 'status' | 'last_login_at'> & { invited_at: number | null };

/** An account as the people who manage it see it: built field by field, never a hash or secret. */
export function presentMember(u: MemberRow): MemberDTO {
  return {
    id: u.id,
    name: u.name,
    email: u.email,
    role: u.role,
    status: u.status,
    lastLoginAt: u.last_login_at,
    invitedAt: u.invited_at === null ? null : Number(u.invited_at),
  };
}
