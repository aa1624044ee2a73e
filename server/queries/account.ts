import type { MailRow } from '../../db/schema.js';
import type { AppDeps } from '../context.js';
import type { CommandContext } from '../context.js';
import type { SessionDTO } from '../contracts/api.js';
import type { MfaStatusDTO, SecuritySettingsDTO } from '../contracts/auth.js';
import type { EmailChangeInfoDTO, InvitationInfoDTO, OutboxMailDTO } from '../contracts/users.js';
import { LOGO_CID } from '../services/mail-html.js';
import { RESET_LINK_INVALID_MESSAGE, type ProfileDTO, type ResetLinkDTO, type SessionInfoDTO } from '../contracts/profile.js';
import { notFound } from '../errors.js';
import { authorize } from '../policies/index.js';
import { mayReadAudit } from '../policies/audit.js';
import { modulesOf, reaches } from '../policies/access.js';
import { clientOf, effectiveTimeouts } from '../auth/access.js';
import { mfaStepFor } from '../auth/sign-in.js';
import { mfaMethods, passkeysOnly, presentPasskey } from '../auth/passkeys.js';
import { listPasskeys } from '../repositories/passkeys.js';
import { recoveryCodesLeft } from '../auth/recovery-codes.js';
import { findValidInvitation, INVALID_INVITATION } from '../auth/invitations.js';
import { findValidEmailChange, INVALID_EMAIL_CHANGE } from '../auth/email-change.js';
import { findValidReset, maskEmail } from '../auth/password-reset.js';
import { readStoredFile } from '../services/storage.js';
import { presentFirm, presentSelf } from '../presenters/user.js';
import { presentProfile, presentSession } from '../presenters/profile.js';
import { findFirm, findFirmName, findSecuritySettings } from '../repositories/firm.js';
import { findClientName } from '../repositories/clients.js';
import { findAvatarOwner } from '../repositories/users.js';
import { listLiveSessions } from '../repositories/sessions.js';
import { listRecentMail } from '../repositories/mail-outbox.js';

/**
 * What the account pages read: the session payload, MFA status, the firm's security settings,
 * one's profile and sessions, avatars, what an invitation or reset link opens, and the outbox.
 * Each takes the caller's context (the HTTP adapter decides how signed-in it must be) and
 * returns the DTO the browser gets.
 */

/** Who am I: the person, the firm, what the session still owes, and (portal users) their modules. */
export async function sessionPayload(deps: Pick<AppDeps, 'db' | 'config'>, ctx: CommandContext): Promise<SessionDTO> {
  const v = ctx.viewer;
  const firm = await findFirm(deps.db);
  const client = v.user.kind === 'portal' ? await clientOf(deps.db, v.user) : undefined;
  const timeoutMs = effectiveTimeouts(deps.config, firm, client).idleMs;
  // A session not verified owes a step, whatever the firm requires of staff now (a single sign-on may
  // ask Debrief's own factor of a person the firm's setting alone would not).
  const mfaStep = v.session.mfa_verified ? null : mfaStepFor(v.user.kind, v.user.mfa_enrolled, { mfa_required_for_staff: 1 }, v.session.passkey_owed === 1);
  return {
    user: presentSelf(v.user),
    firm: presentFirm(firm),
    mfaVerified: v.session.mfa_verified === 1,
    mfaStep,
    mfaMethods: mfaMethods({ totp: v.user.totp_enrolled, passkeys: v.user.passkey_count }, passkeysOnly(v.user.kind, firm, client), mfaStep),
    modules: client ? modulesOf(client) : null,
    auditReadable: mayReadAudit(v.user, firm),
    // The warning is at most half the timeout, so a short timeout still leaves time between warnings.
    idle: { timeoutMs, warningMs: Math.min(deps.config.idleWarningMs, Math.floor(timeoutMs / 2)) },
  };
}

/** Whether one has an authenticator, how many recovery codes are left, and whether MFA is required of one. */
export async function mfaStatus(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<MfaStatusDTO> {
  const { user } = ctx.viewer;
  const firm = await findFirm(deps.db);
  const client = user.kind === 'portal' ? await clientOf(deps.db, user) : undefined;
  return {
    enrolled: user.mfa_enrolled,
    authenticatorApp: user.totp_enrolled,
    recoveryCodesLeft: user.mfa_enrolled ? await recoveryCodesLeft(deps.db, user.id) : 0,
    required: user.kind === 'portal' || !!firm?.mfa_required_for_staff,
    passkeysOnly: passkeysOnly(user.kind, firm, client),
    passkeys: (await listPasskeys(deps.db, user.id)).map(presentPasskey),
  };
}

/** The firm's security settings with the configured defaults they fall back to. */
export async function securitySettings(deps: Pick<AppDeps, 'db' | 'config'>): Promise<SecuritySettingsDTO> {
  return {
    ...(await findSecuritySettings(deps.db)),
    defaults: { sessionIdleMinutes: deps.config.sessionIdleMs / 60_000, sessionAbsoluteHours: deps.config.sessionAbsoluteMs / 3_600_000 },
  };
}

/** One's own profile. */
export function ownProfile(ctx: CommandContext): ProfileDTO {
  return presentProfile(ctx.viewer.user);
}

/** One's unexpired sessions: this browser first, then the most recently active. */
export async function ownSessions(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext): Promise<SessionInfoDTO[]> {
  const v = ctx.viewer;
  const rows = await listLiveSessions(deps.db, v.user.id, deps.clock());
  return rows.map((s) => presentSession(s, v.session.id)).sort((a, b) => Number(b.current) - Number(a.current));
}

/**
 * A person's avatar image (WebP bytes). Everyone sees staff; a client's people are seen by those
 * who reach that client (its own people, staff in whose scope it is). Else: not found.
 */
export async function avatarImage(deps: Pick<AppDeps, 'db' | 'config'>, ctx: CommandContext, userId: string): Promise<Buffer> {
  const target = await findAvatarOwner(deps.db, userId);
  const visible = !!target && (target.kind === 'staff' || (!!target.client_id && reaches(ctx.viewer.user, target.client_id)));
  const bytes = visible && target.avatar_file ? await readStoredFile(deps.config.uploadsDir, target.avatar_file) : null;
  if (!bytes) throw notFound();
  return bytes;
}

/** 404 unless first-run setup is still open (no staff account yet). */
export async function requireSetupOpen(deps: Pick<AppDeps, 'setup'>): Promise<void> {
  if (!(await deps.setup.isOpen())) throw notFound();
}

/** Whose account an invitation link opens, and where (anonymous: the link is the credential). */
export async function invitationPreview(deps: Pick<AppDeps, 'db' | 'clock'>, token: string): Promise<InvitationInfoDTO> {
  const found = await findValidInvitation(deps.db, token, deps.clock());
  if (!found) throw notFound(INVALID_INVITATION);
  const firmName = await findFirmName(deps.db);
  const clientName = found.user.client_id ? await findClientName(deps.db, found.user.client_id) : undefined;
  return {
    email: found.user.email,
    name: found.user.name,
    kind: found.user.kind,
    role: found.user.role,
    firmName: firmName ?? 'Debrief',
    clientName: clientName ?? null,
  };
}

/** What an e-mail change link confirms: whose account, and the new address (the link went there). */
export async function emailChangePreview(deps: Pick<AppDeps, 'db' | 'clock'>, token: string): Promise<EmailChangeInfoDTO> {
  const found = await findValidEmailChange(deps.db, token, deps.clock());
  if (!found) throw notFound(INVALID_EMAIL_CHANGE);
  return { name: found.user.name, newEmail: found.change.new_email, firmName: (await findFirmName(deps.db)) ?? 'Debrief' };
}

/** Whose password a reset link resets, masked (a***@example.com). */
export async function resetLinkPreview(deps: Pick<AppDeps, 'db' | 'clock'>, token: string): Promise<ResetLinkDTO> {
  const found = await findValidReset(deps.db, token, deps.clock());
  if (!found) throw notFound(RESET_LINK_INVALID_MESSAGE);
  return { email: maskEmail(found.user.email) };
}

/** How many mails the outbox page shows (newest first). */
const OUTBOX_LIMIT = 200;

function presentMail(m: MailRow, logos: Map<string, string>): OutboxMailDTO {
  return {
    id: m.id,
    to: m.to_address,
    subject: m.subject,
    kind: m.kind,
    status: m.status,
    createdAt: m.created_at,
    sentAt: m.sent_at,
    lastError: m.last_error,
    body: m.text_body,
    html: m.html_body && (m.logo_file ? m.html_body.replaceAll(`cid:${LOGO_CID}`, logos.get(m.logo_file) ?? '') : m.html_body),
  };
}

/** The admin's outbox: how invitation and reset links reach people when no SMTP server is configured. */
export async function outbox(deps: Pick<AppDeps, 'db' | 'config'>, ctx: CommandContext): Promise<OutboxMailDTO[]> {
  authorize(ctx.viewer.user, 'outbox.read');
  const mails = await listRecentMail(deps.db, OUTBOX_LIMIT);
  // The inline logo as a data: URL, as the mail carries it (the sandboxed frame has no origin to fetch from).
  const logos = new Map<string, string>();
  for (const file of new Set(mails.flatMap((m) => (m.html_body && m.logo_file ? [m.logo_file] : [])))) {
    const bytes = await readStoredFile(deps.config.uploadsDir, file);
    if (bytes) logos.set(file, `data:image/png;base64,${bytes.toString('base64')}`);
  }
  return mails.map((m) => presentMail(m, logos));
}
