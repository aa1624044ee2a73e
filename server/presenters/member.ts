import type { UserRow } from '../../db/schema.js';
import type { MemberDTO } from '../contracts/users.js';

export type MemberRow = Pick<UserRow, 'id' | 'name' | 'email' | 'role' | 'status' | 'last_login_at' | 'held_email' | 'held_reason'> & {
  invited_at: number | null;
  mfa_enabled: number | string;
  pending_email: string | null;
  pending_expires_at: number | string | null;
  mail_status: string | null;
  mail_error: string | null;
  mail_at: number | string | null;
};

/**
 * An account as the people who manage it see it: built field by field, never a hash or secret.
 * A held invitation shows the address that was typed; only staff learn that it was held (a
 * client Manager's answer has the same fields as for any invitation). The mail server's error
 * text on a failed invitation mail is for staff only.
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
    mfaEnabled: Number(u.mfa_enabled) === 1,
    pendingEmail: u.pending_email && u.pending_expires_at !== null ? { email: u.pending_email, expiresAt: Number(u.pending_expires_at) } : null,
    // The mail server's words may name its host or internals: staff only.
    mailFailed: u.mail_status === 'failed' ? { at: Number(u.mail_at), error: audience === 'staff' ? u.mail_error : null } : null,
    ...(audience === 'staff' && u.held_reason ? { held: u.held_reason } : {}),
  };
}
