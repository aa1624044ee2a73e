import type { Generated, Insertable, Selectable, Updateable } from 'kysely';

/** The database as Kysely sees it. Times are Unix milliseconds (UTC); booleans are 0/1. */
export interface Database {
  firm: FirmTable;
  clients: ClientTable;
  users: UserTable;
  sessions: SessionTable;
  audit_events: AuditEventTable;
  invitations: InvitationTable;
  password_resets: PasswordResetTable;
  recovery_codes: RecoveryCodeTable;
  auth_throttle: AuthThrottleTable;
  mail_outbox: MailOutboxTable;
}

export interface FirmTable {
  id: number;
  name: string;
  support_email: string | null;
  support_phone: string | null;
  mfa_required_for_staff: number;
  session_idle_minutes: number | null;
  session_absolute_hours: number | null;
  created_at: number;
  updated_at: number;
}

export interface ClientTable {
  id: string;
  name: string;
  portal_enabled: number;
  archived_at: number | null;
  /** JSON array of CIDR ranges; empty = any address. */
  ip_allowlist: Generated<string>;
  session_idle_minutes: number | null;
  session_absolute_hours: number | null;
  created_at: number;
  updated_at: number;
}

export type UserKind = 'staff' | 'portal';
export type StaffRole = 'admin' | 'analyst';
export type PortalRole = 'viewer' | 'collaborator' | 'manager';
export type UserStatus = 'invited' | 'active' | 'removed';

export interface UserTable {
  id: string;
  kind: UserKind;
  role: StaffRole | PortalRole;
  client_id: string | null;
  email: string;
  name: string;
  password_hash: string | null;
  status: UserStatus;
  created_at: number;
  updated_at: number;
  last_login_at: number | null;
  /** AES-256-GCM box of the active TOTP secret (see auth/secret-box.ts); null = no MFA enrolled. */
  totp_secret_enc: string | null;
  /** The secret being enrolled, until a correct code activates it. */
  totp_pending_enc: string | null;
  /** The last accepted TOTP time step: a code is accepted once. */
  totp_last_step: number | null;
  avatar_file: string | null;
  /** JSON object of notification preferences. */
  notify_prefs: Generated<string>;
  invited_by: string | null;
}

export interface SessionTable {
  id: string;
  secret_hash: Uint8Array;
  user_id: string;
  mfa_verified: number;
  created_at: number;
  last_active_at: number;
  expires_at: number;
  ip: string | null;
  user_agent: string | null;
}

export interface AuditEventTable {
  id: Generated<number>;
  at: number;
  actor_id: string | null;
  actor_email: string | null;
  client_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  ip: string | null;
  user_agent: string | null;
  outcome: string;
  details: string | null;
}

export type UserRow = Selectable<UserTable>;
export type NewUser = Insertable<UserTable>;
export type UserUpdate = Updateable<UserTable>;
export type SessionRow = Selectable<SessionTable>;
export type ClientRow = Selectable<ClientTable>;
export type FirmRow = Selectable<FirmTable>;

export interface InvitationTable {
  id: string;
  /** SHA-256 hex of the link's secret; the secret is only in the email. */
  token_hash: string;
  user_id: string;
  email: string;
  client_id: string | null;
  invited_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  voided_at: number | null;
}

export interface PasswordResetTable {
  id: string;
  token_hash: string;
  user_id: string;
  created_at: number;
  expires_at: number;
  used_at: number | null;
}

export interface RecoveryCodeTable {
  id: Generated<number>;
  user_id: string;
  code_hash: string;
  used_at: number | null;
  created_at: number;
}

export interface AuthThrottleTable {
  key: string;
  failures: number;
  blocked_until: number;
  updated_at: number;
}

export type MailStatus = 'pending' | 'sent' | 'stored' | 'failed';

export interface MailOutboxTable {
  id: Generated<number>;
  to_address: string;
  subject: string;
  text_body: string;
  /** What the mail is for (invitation, password_reset, …), for the admin's outbox view. */
  kind: string;
  status: MailStatus;
  attempts: number;
  last_error: string | null;
  next_attempt_at: number;
  created_at: number;
  sent_at: number | null;
}

export type InvitationRow = Selectable<InvitationTable>;
export type MailRow = Selectable<MailOutboxTable>;
