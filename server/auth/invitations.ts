import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, InvitationRow, UserRow } from '../../db/schema.js';
import type { Config } from '../config.js';
import { queueMail } from '../services/mailer.js';
import { hashSecretHex, randomToken } from './tokens.js';
import { isArchived } from '../policies/access.js';
import { findInvitationByHash, insertInvitation, markInvitationUsed, voidUserInvitations } from '../repositories/invitations.js';
import { activateInvitedUser, findUser, getUser } from '../repositories/users.js';
import { findClientState } from '../repositories/clients.js';
import { lockRow } from '../../db/dialect.js';
import { notFound } from '../errors.js';

/**
 * Invitation links: a single-use secret of 160 bits (randomToken(20)), stored only as its
 * SHA-256 hex, expiring after INVITE_TTL_DAYS, bound to one account (its email and client).
 * Every way a link can be wrong (unknown, tampered, expired, used, voided) gets one answer.
 */

/** The one message for every unusable link: it never says which of the reasons applies. */
export const INVALID_INVITATION = 'This invitation link is invalid or has expired.';

type DbOrTrx = Kysely<Database> | Transaction<Database>;

export interface InvitationContext {
  user: Pick<UserRow, 'id' | 'email' | 'name' | 'kind' | 'client_id'>;
  firmName: string;
  clientName: string | null;
  inviterName: string | null;
  invitedBy: string | null;
}

/** The mail that carries the link; the link is the only place the secret ever exists. */
function invitationMail(c: InvitationContext, link: string, expiresAt: number) {
  const where = c.clientName ? `the ${c.clientName} client portal of ${c.firmName}` : `${c.firmName} on Debrief`;
  const by = c.inviterName ? `${c.inviterName} has invited you` : 'You have been invited';
  return {
    to: c.user.email,
    subject: c.clientName ? `${c.firmName} invited you to the ${c.clientName} portal` : `You're invited to join ${c.firmName} on Debrief`,
    text: [
      `Hello ${c.user.name},`,
      '',
      `${by} to ${where}.`,
      '',
      'Open this link to choose your password and activate your account:',
      link,
      '',
      `The link can be used once and expires on ${new Date(expiresAt).toUTCString()}.`,
      c.user.kind === 'portal' ? 'After choosing a password you will set up two-factor authentication with an authenticator app.' : '',
      '',
      'If you did not expect this invitation, you can ignore this message.',
    ]
      .filter((l, i, all) => l !== '' || all[i - 1] !== '')
      .join('\n'),
    kind: 'invitation',
  };
}

/**
 * Create an invitation and queue its mail, inside the caller's transaction (the mail exists iff
 * the invitation does). The caller publishes `mail.queued` after commit. A held invitation
 * (`send: false`) is recorded the same way, but its link is never mailed, so nobody can use it.
 */
export async function createInvitation(trx: DbOrTrx, config: Config, c: InvitationContext, now: number, send = true): Promise<void> {
  const token = randomToken(20);
  const expiresAt = now + config.inviteTtlMs;
  await insertInvitation(trx, {
    id: randomUUID(),
    token_hash: hashSecretHex(token),
    user_id: c.user.id,
    email: c.user.email,
    client_id: c.user.client_id,
    invited_by: c.invitedBy,
    created_at: now,
    expires_at: expiresAt,
    used_at: null,
    voided_at: null,
  });
  if (!send) return;
  const link = `${config.publicUrl}/invite/${encodeURIComponent(token)}`;
  await queueMail(trx, invitationMail(c, link, expiresAt), now, !!config.smtpUrl);
}

/** Void every outstanding invitation of a user (resend, removal): old links stop working at once. */
export async function voidInvitations(trx: DbOrTrx, userId: string, now: number): Promise<void> {
  await voidUserInvitations(trx, userId, now);
}

const squash = (s: string) =>
  s
    .toLowerCase()
    .normalize('NFKC')
    .replace(/[^\p{L}\p{N}]/gu, '');

/**
 * Context-specific words (ASVS 6.2.11): a password built on the firm's or client's name or the
 * person's email is refused. Words shorter than four letters are ignored (too many false hits).
 */
export function contextualPasswordProblem(password: string, words: (string | null | undefined)[]): string | null {
  const pw = squash(password);
  const hit = words.map((w) => squash(w ?? '')).some((w) => w.length >= 4 && pw.includes(w));
  return hit ? "Choose a password that doesn't contain your email or your organisation's name." : null;
}

export interface ValidInvitation {
  invitation: InvitationRow;
  user: UserRow;
}

/**
 * The invitation a presented token opens, or null when it is unknown, tampered, expired, used or
 * voided, when the account is no longer waiting for it, or when its client is archived.
 * The lookup is by hash: the token itself is never compared or stored.
 */
export async function findValidInvitation(db: DbOrTrx, token: string, now: number): Promise<ValidInvitation | null> {
  if (!token || token.length > 128) return null;
  const invitation = await findInvitationByHash(db, hashSecretHex(token));
  if (!invitation || invitation.used_at !== null || invitation.voided_at !== null || invitation.expires_at <= now) return null;
  const user = await findUser(db, invitation.user_id);
  // Bound to the invited email and client: a link never opens an account that has since changed.
  if (!user || user.status !== 'invited' || user.email.toLowerCase() !== invitation.email.toLowerCase() || user.client_id !== invitation.client_id) return null;
  if (user.client_id) {
    const client = await findClientState(db, user.client_id);
    if (!client || isArchived(client)) return null;
  }
  return { invitation, user };
}

/**
 * Use an invitation: in one transaction, re-check it is still valid (two tabs, a resend or a
 * removal in between), set the already-hashed password, activate the account and mark the link
 * used. Returns the activated user, or null (and changes nothing) when the link is no longer valid.
 * The user row is locked before the invitation, the order a removal takes them in
 * (commands/members/remove.ts), so the two wait for each other instead of deadlocking; the
 * validity check after the lock sees a removal that committed while this waited.
 */
export async function consumeInvitation(trx: Transaction<Database>, token: string, passwordHash: string, now: number): Promise<UserRow | null> {
  const seen = await findValidInvitation(trx, token, now);
  if (!seen) return null;
  await lockRow(trx, 'users', seen.user.id);
  const found = await findValidInvitation(trx, token, now);
  if (!found) return null;
  // Two acceptances at once, or a resend voiding the link (it takes no user lock): the
  // conditional update decides, and the one that did not mark it used changes nothing.
  if (!(await markInvitationUsed(trx, found.invitation.id, now))) return null;
  await voidInvitations(trx, found.user.id, now);
  // Held off by the lock above; should the account still have left `invited`, nothing is kept.
  if (!(await activateInvitedUser(trx, found.user.id, passwordHash, now))) throw notFound(INVALID_INVITATION);
  return getUser(trx, found.user.id);
}
