import type {
  AuditCheckpointTable,
  AuditEventTable,
  AuditPruneGateTable,
  AuthThrottleTable,
  EmailChangeTable,
  InvitationTable,
  PageViewBudgetTable,
  PageViewMarkTable,
  PasskeyChallengeTable,
  PasskeyTable,
  SsoDomainTable,
  SsoIdentityTable,
  SsoLoginStateTable,
  SsoLogoutJtiTable,
  SsoProviderTable,
  SsoSessionTable,
  PasswordResetTable,
  RecoveryCodeTable,
  SessionEndingTable,
  SessionTable,
  SetupCodeTable,
  UserTable,
} from './schema/auth.js';
import type {
  AttachmentTable,
  ChatMessageTable,
  ChatReadTable,
  ClientEventTable,
  CommentTable,
  FindingFollowerTable,
  MailDigestTable,
  NotificationTable,
  RemediationRoundTable,
  RetestRequestFindingTable,
  RetestRequestTable,
} from './schema/collaboration.js';
import type { BrandImageTable, BrandTable, ClientTable, FirmMessageTable, FirmTable, MailOutboxTable, ReadinessProbeTable } from './schema/firm.js';
import type {
  ClientStaffTable,
  EvidenceTable,
  FindingStatusHistoryTable,
  FindingTable,
  ProjectTable,
  ProjectTeamTable,
  ReportTable,
} from './schema/workspace.js';

// The tables, one interface each, live by area in db/schema/; this file is the one import point.
export type * from './schema/auth.js';
export type * from './schema/collaboration.js';
export type * from './schema/firm.js';
export type * from './schema/workspace.js';
// The enums are declared once, in the contracts the browser also imports (re-exported for the db layer).
export type { PortalRole, StaffRole } from '../server/contracts/users.js';
export type { FindingStatus, Severity } from '../server/contracts/workspace.js';
export type { RetestStatus } from '../server/contracts/remediation.js';

/** The database as Kysely sees it. Times are Unix milliseconds (UTC); booleans are 0/1. */
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
  passkeys: PasskeyTable;
  passkey_challenges: PasskeyChallengeTable;
  sso_providers: SsoProviderTable;
  sso_domains: SsoDomainTable;
  sso_identities: SsoIdentityTable;
  sso_login_states: SsoLoginStateTable;
  sso_sessions: SsoSessionTable;
  sso_logout_jtis: SsoLogoutJtiTable;
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
  readiness_probe: ReadinessProbeTable;
}
