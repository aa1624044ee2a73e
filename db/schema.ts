import type { Generated, Insertable, Selectable } from 'kysely';
// The enums are declared once, in the contracts the browser also imports (re-exported for the db layer).
import type { UserKind } from '../server/contracts/api.js';
import type { PortalRole, StaffRole } from '../server/contracts/users.js';
import type { FindingStatus, ProjectStatus, Severity } from '../server/contracts/workspace.js';
import type { RetestStatus, Verdict } from '../server/contracts/remediation.js';
export type { FindingStatus, PortalRole, RetestStatus, Severity, StaffRole };

/**
 * The database as Kysely sees it. Times are Unix milliseconds (UTC); booleans are 0/1.
 * (Over the house's 300 lines on purpose: it is only declarations, one interface per table, and
 * reads best as the single picture of the schema next to the migrations.)
 */
export interface Database {
  firm: FirmTable;
  clients: ClientTable;
  users: UserTable;
  sessions: SessionTable;
  session_endings: SessionEndingTable;
  audit_events: AuditEventTable;
  audit_checkpoints: AuditCheckpointTable;
  audit_prune_gate: AuditPruneGateTable;
  page_view_marks: PageViewMarkTable;
  page_view_budgets: PageViewBudgetTable;
  invitations: InvitationTable;
  password_resets: PasswordResetTable;
  email_changes: EmailChangeTable;
  recovery_codes: RecoveryCodeTable;
  auth_throttle: AuthThrottleTable;
  mail_outbox: MailOutboxTable;
  setup_code: SetupCodeTable;
  projects: ProjectTable;
  project_team: ProjectTeamTable;
  client_staff: ClientStaffTable;
  findings: FindingTable;
  finding_status_history: FindingStatusHistoryTable;
  evidence: EvidenceTable;
  reports: ReportTable;
  client_events: ClientEventTable;
  comments: CommentTable;
  finding_followers: FindingFollowerTable;
  chat_messages: ChatMessageTable;
  chat_reads: ChatReadTable;
  attachments: AttachmentTable;
  notifications: NotificationTable;
  mail_digests: MailDigestTable;
  retest_requests: RetestRequestTable;
  retest_request_findings: RetestRequestFindingTable;
  remediation_rounds: RemediationRoundTable;
  firm_messages: FirmMessageTable;
  brand: BrandTable;
  brand_images: BrandImageTable;
}

export interface FirmTable {
  id: number;
  name: string;
  support_email: string | null;
  support_phone: string | null;
  mfa_required_for_staff: number;
  session_idle_minutes: number | null;
  session_absolute_hours: number | null;
  /** The highest event-log position pruned; a cursor below it must resync. */
  event_floor: Generated<number>;
  /** JSON {critical, high, medium, low}: remediation target in days per severity. */
  remediation_days: Generated<string>;
  /** 1: analysts see every client; 0: only the clients they are assigned to or on a project team of. */
  analysts_see_all_clients: Generated<number>;
  /** Days audit rows are kept (at least 30); null = forever. Default 400. */
  audit_retention_days: Generated<number | null>;
  /** 1: analysts may read the Audit page (read-only); 0: admins only. */
  analysts_read_audit: Generated<number>;
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

type UserStatus = 'invited' | 'active' | 'removed';

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
  /**
   * A held invitation (see migration held-invitations): the address the inviter typed, which
   * belongs to another account; `email` is then a placeholder that never receives mail.
   */
  held_email: Generated<string | null>;
  /** Why the invitation was held: 'staff_account' | 'other_client' (shown to staff only). */
  held_reason: Generated<HeldReason | null>;
}

export type HeldReason = 'staff_account' | 'other_client';

interface SessionTable {
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

/** Why a session ended without the person asking (kept a week): the next request with its cookie is told. */
interface SessionEndingTable {
  session_id: string;
  secret_hash: Uint8Array;
  reason: string;
  ended_at: number;
}

/** When a session's page (route and object) was last recorded as viewed (the per-minute throttle). */
interface PageViewMarkTable {
  session_id: string;
  page: string;
  at: number;
}

/** A session's page-view budget for its current hour, and the reports it did not record. */
interface PageViewBudgetTable {
  session_id: string;
  window_start: number;
  recorded: Generated<number>;
  repeats: Generated<number>;
  over_cap: Generated<number>;
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
  /** 'staff', 'portal', 'anonymous' or 'system'; null on rows written before issue 15. */
  actor_kind: string | null;
  /** The HTTP request's or socket event's id. */
  request_id: string | null;
  /** 'server' (seen by the server) or 'browser' (a page view the SPA reported); null = server. */
  source: string | null;
  /** The previous row's hash (64 zeros for the first row ever): see server/audit/canonical.ts. */
  prev_hash: string;
  /** Lower-case hex SHA-256 of prev_hash + the canonical row, computed by the writer in the row's transaction. */
  hash: string;
}

/** A signed statement that the audit chain up to `last_id` ends in `hash` and holds `count` rows since genesis. */
export interface AuditCheckpointTable {
  id: Generated<number>;
  last_id: number;
  hash: string;
  count: number;
  at: number;
  /** Base64 Ed25519 signature over server/audit/canonical.ts `checkpointMessage`. */
  signature: string;
}

/** Holds its one row (id 1) only inside the retention prune's transaction: the triggers let audit rows be deleted then. */
interface AuditPruneGateTable {
  id: number;
}

export type UserRow = Selectable<UserTable>;
export type NewUser = Insertable<UserTable>;
export type SessionRow = Selectable<SessionTable>;
export type ClientRow = Selectable<ClientTable>;
export type FirmRow = Selectable<FirmTable>;

interface InvitationTable {
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

/** A pending change of an active person's address, confirmed by a link sent to the new one. */
interface EmailChangeTable {
  id: string;
  /** SHA-256 hex of the link's secret; the secret is only in the mail to the new address. */
  token_hash: string;
  user_id: string;
  old_email: string;
  new_email: string;
  requested_by: string | null;
  created_at: number;
  expires_at: number;
  used_at: number | null;
  voided_at: number | null;
}
export type EmailChangeRow = Selectable<EmailChangeTable>;

interface RecoveryCodeTable {
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

/** `sending`: claimed by one mailer until `lease_until` (see server/services/mailer.ts). */
type MailStatus = 'pending' | 'sending' | 'sent' | 'stored' | 'failed';

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
  /** While `sending`: until when the mailer that claimed it holds it; past that, it is pending again. */
  lease_until: number | null;
  /** The HTML part (branded, every value escaped), or null for a text-only mail. */
  html_body: Generated<string | null>;
  /** The stored logo file (`brand/<sha256>.png`) the HTML part shows inline (cid:logo), or null. */
  logo_file: Generated<string | null>;
  /** The From display name (the firm's name when queued), or null for the configured From. */
  from_name: Generated<string | null>;
}

/** The firm's saved brand: one row (id 1); none = the default look. */
export interface BrandTable {
  id: number;
  /** `#rrggbb` */
  primary_colour: string;
  /** `#rrggbb` */
  accent_colour: string;
  /** `brand_images.id` of the logo on light backgrounds, or null. */
  logo_light: string | null;
  /** `brand_images.id` of the logo on dark backgrounds, or null. */
  logo_dark: string | null;
  /** `brand_images.id` of the favicon, or null. */
  favicon: string | null;
  updated_at: number;
}

/** A processed brand upload (logo or favicon): two PNG sizes, named by the 1× file's SHA-256. */
export interface BrandImageTable {
  id: string;
  kind: 'logo' | 'favicon';
  /** `brand/<sha256>.png` */
  file_1x: string;
  file_2x: string;
  /** Size of the 1× image in pixels. */
  width: number;
  height: number;
  created_at: number;
}

export type BrandRow = Selectable<BrandTable>;
export type BrandImageRow = Selectable<BrandImageTable>;

/** The one first-run setup code issued by an instance (hash only); deleted by setup (server/auth/setup.ts). */
export interface SetupCodeTable {
  /** Always 1: one code at most. */
  id: number;
  /** SHA-256 of the code, lower-case hex. */
  code_hash: string;
  issued_at: number;
  /** The issuing instance renews this while it runs; a code held by nobody is replaced at the next start. */
  held_until: number;
}

export type InvitationRow = Selectable<InvitationTable>;
export type MailRow = Selectable<MailOutboxTable>;

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

interface ProjectTeamTable {
  project_id: string;
  user_id: string;
}

/** Analysts explicitly assigned to a client (they reach it even when the firm scopes analysts). */
interface ClientStaffTable {
  client_id: string;
  user_id: string;
  assigned_by: string | null;
  created_at: number;
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
  /** Time the remediation clock spent paused (waiting for verification), and the start of the current pause. */
  due_paused_ms: Generated<number>;
  due_paused_at: number | null;
}

interface FindingStatusHistoryTable {
  id: Generated<number>;
  finding_id: string;
  /** The finding's client (a finding never changes client): one client's changes, newest first, by index. */
  client_id: string;
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

/** One client-visible change, in commit order. `audience` 'staff' events never reach a portal socket. */
interface ClientEventTable {
  position: Generated<number>;
  client_id: string;
  type: string;
  audience: 'all' | 'staff';
  entity_id: string;
  /** JSON: what the presenter needs that the entity row may no longer hold (e.g. after a delete). */
  data: Generated<string>;
  at: number;
}

export interface CommentTable {
  id: string;
  finding_id: string;
  client_id: string;
  author_id: string;
  body: string;
  internal: Generated<number>;
  shared_by: string | null;
  shared_at: number | null;
  client_message_id: string;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
}

interface FindingFollowerTable {
  finding_id: string;
  user_id: string;
}

interface ChatMessageTable {
  id: Generated<number>;
  client_id: string;
  author_id: string;
  body: string;
  client_message_id: string;
  created_at: number;
  edited_at: number | null;
  deleted_at: number | null;
}

interface ChatReadTable {
  client_id: string;
  user_id: string;
  last_read_id: Generated<number>;
}

interface AttachmentTable {
  id: string;
  client_id: string;
  uploader_id: string;
  purpose: 'chat' | 'remediation';
  message_id: number | null;
  round_id: string | null;
  kind: 'image' | 'file';
  file: string;
  thumb_file: string | null;
  original_name: string;
  mime: string;
  size: number;
  width: number | null;
  height: number | null;
  created_at: number;
}

export type NotificationKind = 'mention' | 'reply' | 'chat' | 'finding_published' | 'report_published' | 'remediation' | 'retest' | 'invitation_held';

/** A person's notifications. At most one unread `chat` one per person and client (partial unique index `notifications_chat_unread`). */
export interface NotificationTable {
  id: Generated<number>;
  user_id: string;
  client_id: string | null;
  kind: NotificationKind;
  actor_id: string | null;
  finding_id: string | null;
  text: string;
  link: string;
  created_at: number;
  read_at: number | null;
  emailed_at: number | null;
  /** How many events this one item stands for (replies coalesced while it was unread). */
  count: Generated<number>;
  /** JSON array of the latest authors' names, newest first (at most three). */
  authors: Generated<string>;
  /** 1 while the row waits for its person's next mail (see `mail_digests`). */
  mail_pending: Generated<number>;
}

/** Per person: when their next mail is due (null: nothing waiting) and when the last one went. */
interface MailDigestTable {
  user_id: string;
  due_at: number | null;
  last_sent_at: number | null;
}

interface RetestRequestTable {
  id: string;
  client_id: string;
  requested_by: string;
  message: string;
  status: Generated<RetestStatus>;
  scheduled_for: string | null;
  created_at: number;
  updated_at: number;
}

interface RetestRequestFindingTable {
  request_id: string;
  finding_id: string;
}

/** A submit-and-verdict round: the submission is frozen when written, the verdict once set (SQL triggers). */
interface RemediationRoundTable {
  id: string;
  finding_id: string;
  client_id: string;
  round_no: number;
  retest_request_id: string | null;
  submitted_by: string;
  submitted_at: number;
  submit_notes: string;
  verdict: Verdict | null;
  verdict_by: string | null;
  verdict_at: number | null;
  verdict_notes: string | null;
}

export type ClientEventRow = Selectable<ClientEventTable>;
export type CommentRow = Selectable<CommentTable>;
export type ChatMessageRow = Selectable<ChatMessageTable>;
export type AttachmentRow = Selectable<AttachmentTable>;
export type NotificationRow = Selectable<NotificationTable>;
export type RetestRequestRow = Selectable<RetestRequestTable>;
export type RemediationRoundRow = Selectable<RemediationRoundTable>;

/** One message the firm wrote for its client portal (a key without a row shows its default). */
interface FirmMessageTable {
  key: string;
  body: string;
  updated_at: number;
}
