import type { z } from 'zod';
import { SessionActivityInput, SetupInput, type SelfDTO, type SessionActivityDTO, type SessionDTO } from './api.js';
import {
  EnrolConfirmInput,
  EnrolStartInput,
  LoginInput,
  MfaInput,
  MfaResetInput,
  RegenerateRecoveryCodesInput,
  SecuritySettingsInput,
  type EnrolStartResult,
  type LoginResult,
  type MfaResult,
  type MfaStatusDTO,
  type RecoveryCodesResult,
  type SecuritySettingsDTO,
} from './auth.js';
import {
  PasskeyAssertionInput,
  PasskeyRegisterFinishInput,
  PasskeyRegisterStartInput,
  PasskeyRemoveInput,
  type PasskeyOptionsDTO,
  type PasskeyRegisteredDTO,
} from './passkeys.js';
import {
  ClientSsoInput,
  SsoDiscoverInput,
  SsoPolicyInput,
  SsoProviderInput,
  type ClientSsoDTO,
  type LogoutDTO,
  type SsoDiscoverDTO,
  type SsoOfferDTO,
  type SsoPolicyDTO,
  type SsoProviderDTO,
} from './sso.js';
import { AccessLogPageQuery, AuditPageQuery, AuditSettingsInput } from './audit.js';
import type { AccessLogPageDTO, AuditMetaDTO, AuditPageDTO, AuditSettingsDTO } from './audit.js';
import { AttachmentUploadQuery, ChatEditInput, ChatHistoryQuery, ChatPostInput, ChatReadInput, type ChatChannelDTO, type ChatHistoryDTO } from './chat.js';
import {
  BrandColoursInput,
  BrandImageQuery,
  BrandInput,
  type AdjustedColoursDTO,
  type BrandImageDTO,
  type BrandSettingsDTO,
  type PublicBrandDTO,
} from './brand.js';
import { PublishInput } from './confirmation.js';
import { ClientStaffInput, CreateClientInput, UpdateClientInput, type ClientDTO, type ClientStaffDTO } from './clients.js';
import { CommentInput, CommentPageQuery, CommentPatch, MentionableQuery, type MentionCandidateDTO } from './comments.js';
import { EvidencePatch, EvidenceUploadQuery, RedactionsInput, type EvidenceListDTO } from './evidence.js';
import { FirmSettingsInput, RemediationTargetsInput, type FirmSettingsDTO, type RemediationTargetsDTO } from './firm.js';
import { MessagePreviewInput, MessagesInput, type MessageSettingsDTO, type PortalMessagesDTO } from './messages.js';
import { NotificationListQuery, type NotificationListDTO, type UnreadCountDTO } from './notifications.js';
import { ActivityPageQuery, type StaffHomeDTO } from './home.js';
import {
  PortalFindingPageQuery,
  type ActivityDTO,
  type DashboardDTO,
  type FindingRowStaffDTO,
  type PortalFindingPageDTO,
  type PortalProjectDTO,
} from './portal.js';
import { PasswordChangeInput, PasswordResetConfirmInput, PasswordResetRequestInput, ProfileUpdateInput } from './profile.js';
import type { ProfileDTO, ResetLinkDTO, SessionInfoDTO } from './profile.js';
import type { AttachmentDTO, ChatMessageDTO, CommentDTO } from './realtime.js';
import { QueuePageQuery, RemediationSubmitInput, RetestPageQuery, RetestRequestInput, RetestUpdateInput, VerdictInput } from './remediation.js';
import type { QueueItemDTO, RemediationDTO, RemediationSummaryDTO, RetestCandidateDTO, RetestDTO } from './remediation.js';
import { ReportPatch, ReportUploadQuery, type ProjectReportsDTO } from './reports.js';
import {
  AcceptInvitationInput,
  ChangeEmailInput,
  ConfirmEmailChangeInput,
  InvitePortalUserInput,
  InviteStaffInput,
  UpdatePortalUserInput,
  UpdateStaffInput,
} from './users.js';
import type { AcceptInvitationResult, EmailChangeInfoDTO, InvitationInfoDTO, MailDelivery, MemberDTO, OutboxMailDTO } from './users.js';
import { FindingInput, FindingPageQuery, FindingPatch, FindingStatusInput, ProjectInput, ProjectPageQuery, ProjectPatch } from './workspace.js';
import type { EvidenceDTO, FindingPortalDTO, FindingStaffDTO, ProjectDTO, ReportDTO } from './workspace.js';

/**
 * Every JSON endpoint of the API, once: its method and path (under /api), the strict schema of what
 * it reads (the JSON body, or the query string for reads and file uploads), the status of a success
 * and the envelope it answers. The server's routes are registered from this map (`routes/endpoint.ts`:
 * a handler must return exactly the answer), and the browser calls it by key (`client/lib/api/http.ts`:
 * params, body and answer are typed from here). A misspelt key, a missing path parameter or a wrong
 * body fails to compile on both sides. File downloads (reports, evidence, attachments, avatars) stream
 * bytes, not JSON; single sign-on's start and callback are browser redirects and its back-channel
 * logout a provider's form post: these are the only routes outside this map
 * (tests/integration/endpoints.test.ts lists them).
 */
export const endpoints = {
  // First run, session and sign-in.
  'GET /setup': { answer: of<{ setupRequired: true }>() },
  'POST /setup': { status: 201, body: SetupInput, answer: of<{ user: SelfDTO; mfaStep: 'enrol' | null }>() },
  'GET /session': { answer: of<SessionDTO>() },
  'POST /session/activity': { body: SessionActivityInput, answer: of<SessionActivityDTO>() },
  'POST /auth/logout': { answer: of<LogoutDTO>() },
  'POST /auth/login': { body: LoginInput, answer: of<LoginResult>() },
  'POST /auth/mfa': { body: MfaInput, answer: of<MfaResult>() },
  'POST /auth/mfa/enrol/start': { body: EnrolStartInput, answer: of<EnrolStartResult>() },
  'POST /auth/mfa/enrol/confirm': { body: EnrolConfirmInput, answer: of<RecoveryCodesResult>() },
  'GET /auth/passkey': { answer: of<{ passwordless: boolean }>() },
  'GET /auth/sso': { answer: of<SsoOfferDTO>() },
  'POST /auth/sso/discover': { body: SsoDiscoverInput, answer: of<SsoDiscoverDTO>() },
  'POST /auth/passkey/sign-in/options': { answer: of<PasskeyOptionsDTO>() },
  'POST /auth/passkey/sign-in': { body: PasskeyAssertionInput, answer: of<LoginResult>() },
  'POST /auth/passkey/mfa/options': { answer: of<PasskeyOptionsDTO>() },
  'POST /auth/passkey/mfa': { body: PasskeyAssertionInput, answer: of<MfaResult>() },
  'POST /auth/password-reset': { status: 202, body: PasswordResetRequestInput, answer: of<{ message: string }>() },
  'GET /auth/password-reset/:token': { answer: of<ResetLinkDTO>() },
  'POST /auth/password-reset/confirm': { status: 204, body: PasswordResetConfirmInput, answer: of<void>() },
  'GET /invitations/:token': { answer: of<InvitationInfoDTO>() },
  'POST /invitations/accept': { body: AcceptInvitationInput, answer: of<AcceptInvitationResult>() },
  'GET /email-change/:token': { answer: of<EmailChangeInfoDTO>() },
  'POST /email-change/confirm': { body: ConfirmEmailChangeInput, answer: of<{ email: string }>() },

  // One's own account.
  'GET /profile': { answer: of<ProfileDTO>() },
  'PATCH /profile': { body: ProfileUpdateInput, answer: of<ProfileDTO>() },
  'POST /profile/password': { status: 204, body: PasswordChangeInput, answer: of<void>() },
  'GET /profile/sessions': { answer: of<SessionInfoDTO[]>() },
  'DELETE /profile/sessions/:id': { status: 204, answer: of<void>() },
  'POST /profile/sessions/end-others': { answer: of<{ ended: number }>() },
  'POST /profile/passkeys/options': { body: PasskeyRegisterStartInput, answer: of<PasskeyOptionsDTO>() },
  'POST /profile/passkeys': { status: 201, body: PasskeyRegisterFinishInput, answer: of<PasskeyRegisteredDTO>() },
  'POST /profile/passkeys/:id/remove': { status: 204, body: PasskeyRemoveInput, answer: of<void>() },
  'POST /profile/avatar': { file: true, answer: of<ProfileDTO>() },
  'DELETE /profile/avatar': { answer: of<ProfileDTO>() },
  'GET /profile/mfa': { answer: of<MfaStatusDTO>() },
  'POST /profile/recovery-codes': { body: RegenerateRecoveryCodesInput, answer: of<RecoveryCodesResult>() },

  // The firm (admins).
  'GET /firm': { answer: of<{ firm: FirmSettingsDTO }>() },
  'PUT /firm': { body: FirmSettingsInput, answer: of<{ firm: FirmSettingsDTO }>() },
  'GET /firm/remediation-targets': { answer: of<{ targets: RemediationTargetsDTO }>() },
  'PUT /firm/remediation-targets': { body: RemediationTargetsInput, answer: of<{ targets: RemediationTargetsDTO }>() },
  'GET /firm/messages': { answer: of<{ messages: MessageSettingsDTO }>() },
  'PUT /firm/messages': { body: MessagesInput, answer: of<{ messages: MessageSettingsDTO }>() },
  'POST /firm/messages/preview': { body: MessagePreviewInput, answer: of<{ html: string }>() },
  'GET /messages': { answer: of<{ messages: PortalMessagesDTO }>() },

  // The brand: one public read (every page, signed out too), admins edit it.
  'GET /brand': { answer: of<PublicBrandDTO>() },
  'GET /firm/brand': { answer: of<{ brand: BrandSettingsDTO }>() },
  'PUT /firm/brand': { body: BrandInput, answer: of<{ brand: BrandSettingsDTO }>() },
  'DELETE /firm/brand': { answer: of<{ brand: BrandSettingsDTO }>() },
  'POST /firm/brand/adjust': { body: BrandColoursInput, answer: of<AdjustedColoursDTO>() },
  'POST /firm/brand/images': { status: 201, file: true, query: BrandImageQuery, answer: of<{ image: BrandImageDTO }>() },
  'GET /admin/sso': { answer: of<{ provider: SsoProviderDTO | null; policy: SsoPolicyDTO }>() },
  'PUT /admin/sso': { body: SsoProviderInput, answer: of<{ provider: SsoProviderDTO }>() },
  'PUT /admin/sso/policy': { body: SsoPolicyInput, answer: of<SsoPolicyDTO>() },
  'GET /clients/:clientId/sso': { answer: of<{ provider: ClientSsoDTO | null }>() },
  'PUT /clients/:clientId/sso': { body: ClientSsoInput, answer: of<{ provider: ClientSsoDTO }>() },
  'DELETE /clients/:clientId/sso': { answer: of<{ provider: null }>() },
  'GET /portal/sso': { answer: of<{ provider: ClientSsoDTO | null }>() },
  'PUT /portal/sso': { body: ClientSsoInput, answer: of<{ provider: ClientSsoDTO }>() },
  'DELETE /portal/sso': { answer: of<{ provider: null }>() },
  'GET /admin/security': { answer: of<SecuritySettingsDTO>() },
  'PUT /admin/security': { body: SecuritySettingsInput, answer: of<SecuritySettingsDTO>() },
  'POST /admin/users/:id/mfa-reset': { status: 204, body: MfaResetInput, answer: of<void>() },
  'GET /admin/outbox': { answer: of<{ mails: OutboxMailDTO[] }>() },

  // People: staff, a client's users as staff see them, and as the client's Managers see them.
  'GET /staff': { answer: of<Members>() },
  'POST /staff': { status: 201, body: InviteStaffInput, answer: of<Delivered>() },
  'PATCH /staff/:userId': { body: UpdateStaffInput, answer: of<Member>() },
  'POST /staff/:userId/remove': { answer: of<Member>() },
  'POST /staff/:userId/resend': { answer: of<Delivered>() },
  'POST /staff/:userId/email': { body: ChangeEmailInput, answer: of<Delivered>() },
  'GET /clients/:clientId/users': { answer: of<Members>() },
  'POST /clients/:clientId/users': { status: 201, body: InvitePortalUserInput, answer: of<Delivered>() },
  'PATCH /clients/:clientId/users/:userId': { body: UpdatePortalUserInput, answer: of<Member>() },
  'POST /clients/:clientId/users/:userId/remove': { answer: of<Member>() },
  'POST /clients/:clientId/users/:userId/resend': { answer: of<Delivered>() },
  'POST /clients/:clientId/users/:userId/email': { body: ChangeEmailInput, answer: of<Delivered>() },
  'GET /portal/users': { answer: of<Members>() },
  'POST /portal/users': { status: 201, body: InvitePortalUserInput, answer: of<Delivered>() },
  'PATCH /portal/users/:userId': { body: UpdatePortalUserInput, answer: of<Member>() },
  'POST /portal/users/:userId/remove': { answer: of<Member>() },
  'POST /portal/users/:userId/resend': { answer: of<Delivered>() },
  'POST /portal/users/:userId/email': { body: ChangeEmailInput, answer: of<Delivered>() },

  // Clients and their assigned staff.
  'GET /clients': { answer: of<{ clients: ClientDTO[] }>() },
  'POST /clients': { status: 201, body: CreateClientInput, answer: of<{ client: ClientDTO }>() },
  'GET /clients/:clientId': { answer: of<{ client: ClientDTO }>() },
  'PATCH /clients/:clientId': { body: UpdateClientInput, answer: of<{ client: ClientDTO }>() },
  'POST /clients/:clientId/archive': { answer: of<{ client: ClientDTO }>() },
  'GET /clients/:clientId/staff': { answer: of<{ staff: ClientStaffDTO }>() },
  'PUT /clients/:clientId/staff': { body: ClientStaffInput, answer: of<{ staff: ClientStaffDTO }>() },

  // Projects, findings, evidence and reports (staff side).
  'GET /projects': { query: ProjectPageQuery, answer: of<{ projects: ProjectDTO[]; next: string | null }>() },
  'GET /projects/team-options': { answer: of<{ staff: { id: string; name: string }[] }>() },
  'GET /clients/:clientId/projects': { answer: of<{ projects: ProjectDTO[] }>() },
  'POST /clients/:clientId/projects': { status: 201, body: ProjectInput, answer: of<{ project: ProjectDTO }>() },
  'GET /projects/:id': { answer: of<{ project: ProjectDTO }>() },
  'PATCH /projects/:id': { body: ProjectPatch, answer: of<{ project: ProjectDTO }>() },
  'GET /projects/:id/findings': { query: FindingPageQuery, answer: of<{ findings: FindingRowStaffDTO[]; next: string | null }>() },
  'POST /projects/:id/findings': { status: 201, body: FindingInput, answer: of<Finding>() },
  'GET /findings/:id': { answer: of<Finding>() },
  'PATCH /findings/:id': { body: FindingPatch, answer: of<Finding>() },
  'POST /findings/:id/publish': { body: PublishInput, answer: of<Finding>() },
  'POST /findings/:id/unpublish': { answer: of<Finding>() },
  'POST /findings/:id/status': { body: FindingStatusInput, answer: of<Finding>() },
  'DELETE /findings/:id': { status: 204, answer: of<void>() },
  'GET /findings/:id/evidence': { answer: of<EvidenceListDTO>() },
  'POST /findings/:id/evidence': { status: 201, file: true, query: EvidenceUploadQuery, answer: of<{ evidence: EvidenceDTO }>() },
  'PUT /evidence/:id/redactions': { body: RedactionsInput, answer: of<{ evidence: EvidenceDTO }>() },
  'PATCH /evidence/:id': { body: EvidencePatch, answer: of<{ evidence: EvidenceDTO }>() },
  'DELETE /evidence/:id': { status: 204, answer: of<void>() },
  'GET /projects/:id/reports': { answer: of<ProjectReportsDTO>() },
  'POST /projects/:id/reports': { status: 201, file: true, query: ReportUploadQuery, answer: of<{ report: ReportDTO }>() },
  'PATCH /reports/:id': { body: ReportPatch, answer: of<{ report: ReportDTO }>() },

  // Comments and mentions (201, or 200 when a replayed client id finds the comment already made).
  'GET /findings/:id/comments': { query: CommentPageQuery, answer: of<{ comments: CommentDTO[]; next: string | null }>() },
  'POST /findings/:id/comments': { status: 201, body: CommentInput, answer: of<{ comment: CommentDTO; created: boolean }>() },
  'PATCH /comments/:id': { body: CommentPatch, answer: of<{ comment: CommentDTO }>() },
  'DELETE /comments/:id': { status: 204, answer: of<void>() },
  'POST /comments/:id/share': { answer: of<{ comment: CommentDTO }>() },
  'GET /findings/:id/mentionable': { query: MentionableQuery, answer: of<{ people: MentionCandidateDTO[] }>() },

  // Chat (a send is 201, or 200 for a replayed client message id).
  'GET /chat/channels': { answer: of<{ channels: ChatChannelDTO[] }>() },
  'GET /chat/:clientId/messages': { query: ChatHistoryQuery, answer: of<ChatHistoryDTO>() },
  'POST /chat/:clientId/messages': { status: 201, body: ChatPostInput, answer: of<{ message: ChatMessageDTO }>() },
  'PATCH /chat/messages/:id': { body: ChatEditInput, answer: of<{ message: ChatMessageDTO }>() },
  'DELETE /chat/messages/:id': { answer: of<{ message: ChatMessageDTO }>() },
  'POST /chat/:clientId/read': { body: ChatReadInput, answer: of<{ lastReadId: number; unread: number }>() },
  'POST /chat/:clientId/attachments': { status: 201, file: true, query: AttachmentUploadQuery, answer: of<{ attachment: AttachmentDTO }>() },

  // Remediation rounds, the verification queue, retests and targets.
  'GET /findings/:id/remediation': { answer: of<{ remediation: RemediationDTO }>() },
  'POST /findings/:id/remediation/submit': { body: RemediationSubmitInput, answer: of<{ remediation: RemediationDTO }>() },
  'POST /findings/:id/remediation/attachments': { status: 201, file: true, query: AttachmentUploadQuery, answer: of<{ attachment: AttachmentDTO }>() },
  'POST /findings/:id/remediation/verdict': { body: VerdictInput, answer: of<{ remediation: RemediationDTO }>() },
  'GET /remediation/queue': { query: QueuePageQuery, answer: of<{ queue: QueueItemDTO[]; next: string | null }>() },
  'GET /remediation/summary': { answer: of<{ summary: RemediationSummaryDTO }>() },
  'GET /retests': { query: RetestPageQuery, answer: of<{ retests: RetestDTO[]; next: string | null }>() },
  'GET /retests/eligible': { answer: of<{ findings: RetestCandidateDTO[] }>() },
  'POST /retests': { status: 201, body: RetestRequestInput, answer: of<{ retest: RetestDTO }>() },
  'PATCH /retests/:id': { body: RetestUpdateInput, answer: of<{ retest: RetestDTO }>() },

  // Notifications (always the signed-in person's own).
  'GET /notifications': { query: NotificationListQuery, answer: of<NotificationListDTO>() },
  'GET /notifications/unread-count': { answer: of<UnreadCountDTO>() },
  'POST /notifications/read-all': { answer: of<UnreadCountDTO>() },
  'POST /notifications/:id/read': { answer: of<UnreadCountDTO>() },

  // The portal: what a client's people read.
  'GET /portal/dashboard': { answer: of<DashboardDTO>() },
  'GET /portal/projects': { answer: of<{ projects: ProjectDTO[] }>() },
  'GET /portal/projects/:projectId': { answer: of<PortalProjectDTO>() },
  'GET /portal/projects/:projectId/findings': { query: PortalFindingPageQuery, answer: of<PortalFindingPageDTO>() },
  'GET /portal/findings/:findingId': { answer: of<{ finding: FindingPortalDTO }>() },
  'GET /portal/reports': { answer: of<{ reports: ReportDTO[] }>() },
  'GET /portal/activity': { query: ActivityPageQuery, answer: of<{ activity: ActivityDTO[]; next: string | null }>() },
  // Staff Home: recent activity, projects needing attention, a new firm's next step.
  'GET /staff/home': { answer: of<StaffHomeDTO>() },

  // The audit trail: the staff Audit page (admins; analysts when the firm allows) and a client Manager's Access log.
  'GET /audit': { query: AuditPageQuery, answer: of<AuditPageDTO>() },
  'GET /audit/meta': { answer: of<AuditMetaDTO>() },
  'GET /audit/settings': { answer: of<AuditSettingsDTO>() },
  'PUT /audit/settings': { body: AuditSettingsInput, answer: of<AuditSettingsDTO>() },
  'GET /portal/access-log': { query: AccessLogPageQuery, answer: of<AccessLogPageDTO>() },
} satisfies Record<string, EndpointSpec>;

type Member = { member: MemberDTO };
type Members = { members: MemberDTO[] };
/** A person after an invitation or a change of address, and where its mail went. */
type Delivered = { member: MemberDTO; delivery: MailDelivery };
type Finding = { finding: FindingStaffDTO };

/** How one endpoint is declared (`answer` only carries its type: its value is never read). */
export interface EndpointSpec {
  /** The status of a success: 200 unless said. */
  status?: 200 | 201 | 202 | 204;
  /** The strict schema of the JSON body. */
  body?: z.ZodType;
  /** The strict schema of the query string. */
  query?: z.ZodType;
  /** The request body is a file's raw bytes (the name, if any, rides in the query). */
  file?: true;
  answer: unknown;
}

/** A type carried by the map (the value is a placeholder; only the compiler reads it). */
function of<T>(): T {
  return undefined as T;
}

export type Endpoints = typeof endpoints;
export type EndpointKey = keyof Endpoints;
/** What a success answers. */
export type AnswerOf<K extends EndpointKey> = Endpoints[K]['answer'];
/** The path of `METHOD /path`. */
export type PathOf<K extends string> = K extends `${string} ${infer P}` ? P : never;
/** A path's `:name` parameters, each a string. */
export type ParamsOf<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? { [N in Name]: string } & ParamsOf<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? { [N in Name]: string }
    : Record<never, never>;
/** The schema a request is read with (its JSON body or its query string), if any. */
export type InputSchemaOf<K extends EndpointKey> = Endpoints[K] extends { body: infer S extends z.ZodType }
  ? S
  : Endpoints[K] extends { query: infer S extends z.ZodType }
    ? S
    : undefined;
/** The keys of the endpoints whose request body is a file. */
export type FileEndpointKey = { [K in EndpointKey]: Endpoints[K] extends { file: true } ? K : never }[EndpointKey];
