import { z } from 'zod';
import { email, newPassword, personName, type UserKind } from './api.js';
import type { MfaStep } from './auth.js';

/** Staff accounts, portal users, invitations and the admin's outbox: request schemas and DTOs. */

const STAFF_ROLES = ['admin', 'analyst'] as const;
const PORTAL_ROLES = ['viewer', 'collaborator', 'manager'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export type PortalRole = (typeof PORTAL_ROLES)[number];
export type MemberStatus = 'invited' | 'active' | 'removed';

const roleOf = <T extends readonly [string, ...string[]]>(roles: T) => z.enum(roles, { message: `one of: ${roles.join(', ')}` });

const atLeastOne = (o: Record<string, unknown>) => Object.values(o).some((v) => v !== undefined);

export const InviteStaffInput = z.object({ email, name: personName, role: roleOf(STAFF_ROLES) }).strict();
export type InviteStaffInput = z.infer<typeof InviteStaffInput>;

export const UpdateStaffInput = z
  .object({ name: personName.optional(), role: roleOf(STAFF_ROLES).optional() })
  .strict()
  .refine(atLeastOne, 'Nothing to change.');
export type UpdateStaffInput = z.infer<typeof UpdateStaffInput>;

/** Nobody can be invited or raised above Manager through these: the enum has no staff role. */
export const InvitePortalUserInput = z.object({ email, name: personName, role: roleOf(PORTAL_ROLES) }).strict();
export type InvitePortalUserInput = z.infer<typeof InvitePortalUserInput>;

export const UpdatePortalUserInput = z
  .object({ name: personName.optional(), role: roleOf(PORTAL_ROLES).optional() })
  .strict()
  .refine(atLeastOne, 'Nothing to change.');
export type UpdatePortalUserInput = z.infer<typeof UpdatePortalUserInput>;

/** A new address for a person (staff for the team and any client's people, a Manager for their own). */
export const ChangeEmailInput = z.object({ email }).strict();
export type ChangeEmailInput = z.infer<typeof ChangeEmailInput>;

/** Confirming a change of address: the token from the link mailed to the new address. */
export const ConfirmEmailChangeInput = z.object({ token: z.string().min(1, 'required').max(128) }).strict();
export type ConfirmEmailChangeInput = z.infer<typeof ConfirmEmailChangeInput>;

/**
 * Where a mail that carries a link went: `email` (a mail server is set up and it was handed to
 * it) or `outbox` (none is: it waits in the firm's Outbox for someone to copy the link).
 */
export type MailDelivery = 'email' | 'outbox';

/** What an e-mail change link shows before it is confirmed. */
export interface EmailChangeInfoDTO {
  name: string;
  newEmail: string;
  firmName: string;
}

export const AcceptInvitationInput = z.object({ token: z.string().min(1, 'required').max(128), password: newPassword }).strict();
export type AcceptInvitationInput = z.infer<typeof AcceptInvitationInput>;

/** One account as the people who manage it see it (never a hash, secret or session). */
export interface MemberDTO {
  id: string;
  name: string;
  email: string;
  role: StaffRole | PortalRole;
  status: MemberStatus;
  lastLoginAt: number | null;
  invitedAt: number | null;
  /** An authenticator app (TOTP) is set up. */
  mfaEnabled: boolean;
  /** An active person's address change waiting for its confirmation link, or null. */
  pendingEmail: { email: string; expiresAt: number } | null;
  /**
   * The last invitation or confirmation mail to this person could not be delivered. `error` is the
   * mail server's answer, for staff only (a Manager is told only that it failed).
   */
  mailFailed: { at: number; error: string | null } | null;
  /**
   * Staff only: this invitation was held, not sent, because the address belongs to another
   * account (a staff account, or a portal user of another client). Never in a Manager's answer.
   */
  held?: HeldReason;
}

type HeldReason = 'staff_account' | 'other_client';

/** What an invitation link shows before the password is set. */
export interface InvitationInfoDTO {
  email: string;
  name: string;
  kind: UserKind;
  role: StaffRole | PortalRole;
  firmName: string;
  clientName: string | null;
}

/** After accepting: what the person still owes ('enrol' → set up TOTP first). */
export interface AcceptInvitationResult {
  mfaStep: MfaStep;
}

/** One mail in the admin's outbox (on the embedded default, how invitation links reach people). */
export interface OutboxMailDTO {
  id: number;
  to: string;
  subject: string;
  kind: string;
  /** `sending`: one instance's mailer has it in hand right now (a few seconds; back to pending if that instance stops). */
  status: 'pending' | 'sending' | 'sent' | 'stored' | 'failed';
  createdAt: number;
  sentAt: number | null;
  lastError: string | null;
  body: string;
  /** The HTML part, its inline logo pointed at the public brand file (shown in a sandboxed frame), or null. */
  html: string | null;
}
