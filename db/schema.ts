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
  projects: ProjectTable;
  project_team: ProjectTeamTable;
  findings: FindingTable;
  finding_status_history: FindingStatusHistoryTable;
  evidence: EvidenceTable;
  reports: ReportTable;
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
  /** JSON {projects, findings, reports, chat, activity}: booleans, the modules this client's users may open. */
  modules: Generated<string>;
  /** JSON {cvss, technicalDetails, references, evidence}: booleans, the finding fields this client's users see. */
  visible_fields: Generated<string>;
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

export type ProjectStatus = 'planned' | 'active' | 'completed' | 'archived';
export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'informational';
export type FindingStatus = 'open' | 'pending_verification' | 'verified_fixed' | 'not_fixed' | 'partially_fixed' | 'risk_accepted' | 'closed';

export interface ProjectTable {
  id: string;
  client_id: string;
  name: string;
  status: ProjectStatus;
  /** ISO dates (YYYY-MM-DD). */
  start_date: string | null;
  end_date: string | null;
  description: Generated<string>;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface ProjectTeamTable {
  project_id: string;
  user_id: string;
}

export interface FindingTable {
  id: string;
  project_id: string;
  client_id: string;
  title: string;
  severity: Severity;
  /** Markdown, rendered sanitised. */
  description: Generated<string>;
  impact: Generated<string>;
  remediation: Generated<string>;
  technical_details: Generated<string>;
  cvss_vector: string | null;
  cvss_version: '3.1' | '4.0' | null;
  /** Derived from the vector by the CVSS library, never typed in. */
  cvss_score: number | null;
  /** JSON array of URLs. */
  references_json: Generated<string>;
  /** JSON array of strings. */
  affected_assets_json: Generated<string>;
  status: Generated<FindingStatus>;
  published: Generated<number>;
  published_at: number | null;
  /** Staff only, never loaded for a portal request. */
  internal_notes: Generated<string>;
  version: Generated<number>;
  created_by: string | null;
  created_at: number;
  updated_at: number;
}

export interface FindingStatusHistoryTable {
  id: Generated<number>;
  finding_id: string;
  from_status: FindingStatus | null;
  to_status: FindingStatus;
  note: Generated<string>;
  actor_id: string | null;
  at: number;
}

export interface EvidenceTable {
  id: string;
  finding_id: string;
  client_id: string;
  kind: 'image' | 'file';
  original_file: string;
  original_name: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  client_file: string | null;
  client_thumb_file: string | null;
  /** JSON array of {x, y, w, h} rectangles in original pixels. */
  redactions: Generated<string>;
  caption: Generated<string>;
  shared: Generated<number>;
  created_by: string | null;
  created_at: number;
}

export interface ReportTable {
  id: string;
  project_id: string;
  client_id: string;
  title: string;
  version: number;
  file: string;
  original_name: string;
  size: number;
  /** SHA-256 hex of the bytes as uploaded. */
  sha256: string;
  published: Generated<number>;
  published_at: number | null;
  damaged_at: number | null;
  created_by: string | null;
  created_at: number;
}

export type ProjectRow = Selectable<ProjectTable>;
export type FindingRow = Selectable<FindingTable>;
export type EvidenceRow = Selectable<EvidenceTable>;
export type ReportRow = Selectable<ReportTable>;
