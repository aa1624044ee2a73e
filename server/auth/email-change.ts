import { randomUUID } from 'node:crypto';
import type { Kysely, Transaction } from 'kysely';
import type { Database, EmailChangeRow, UserRow } from '../../db/schema.js';
import type { Config } from '../config.js';
import { queueMail } from '../services/mailer.js';
import { hashSecretHex, randomToken } from './tokens.js';
import { findEmailChangeByHash, insertEmailChange, voidEmailChanges } from '../repositories/email-changes.js';
import { findUser } from '../repositories/users.js';

/**
 * E-mail change links: a single-use secret of 160 bits, stored only as its SHA-256 hex, valid
 * EMAIL_CHANGE_TTL_MS, bound to one account and the address it had when the change was asked.
 * Until the link is used the account keeps its old address (it still signs in with it), and the
 * old address is told about the change. Every way a link can be wrong gets one answer.
 */

export const EMAIL_CHANGE_TTL_MS = 48 * 3_600_000;
/** The one message for every unusable link. */
export const INVALID_EMAIL_CHANGE = 'This confirmation link is invalid or has expired. Ask whoever changed your address to send a new one.';
/** A token as we make them: randomToken(20) is 32 base32 characters. */
const TOKEN_SHAPE = /^[a-z2-7]{32}$/;

type DbOrTrx = Kysely<Database> | Transaction<Database>;

interface ChangeMailContext {
  user: Pick<UserRow, 'id' | 'name' | 'email'>;
  newEmail: string;
  firmName: string;
  requesterName: string;
}

/**
 * Record a pending change and queue its two mails, inside the caller's transaction: the link to
 * the new address, and a notice to the old one. Any earlier pending change of the person is voided.
 */
export async function createEmailChange(trx: DbOrTrx, config: Config, c: ChangeMailContext, requestedBy: string, now: number, sendLink = true): Promise<void> {
  await voidEmailChanges(trx, c.user.id, now);
  const token = randomToken(20);
  const expiresAt = now + EMAIL_CHANGE_TTL_MS;
  await insertEmailChange(trx, {
    id: randomUUID(),
    token_hash: hashSecretHex(token),
    user_id: c.user.id,
    old_email: c.user.email,
    new_email: c.newEmail,
    requested_by: requestedBy,
    created_at: now,
    expires_at: expiresAt,
    used_at: null,
    voided_at: null,
  });
  const link = `${config.publicUrl}/confirm-email/${encodeURIComponent(token)}`;
  const smtp = !!config.smtpUrl;
  // A held change (the new address belongs to an account the requester may not know about) is
  // recorded and answered the same, but its link is never mailed, so it can't be confirmed.
  if (sendLink)
    await queueMail(
      trx,
      {
        to: c.newEmail,
        kind: 'email_change',
        subject: `Confirm your new e-mail address for ${c.firmName}`,
        text: [
          `Hello ${c.user.name},`,
          '',
          `${c.requesterName} changed the e-mail address of your ${c.firmName} account to this one.`,
          'Open this link to confirm it; until then you keep signing in with your old address:',
          link,
          '',
          `The link can be used once and expires on ${new Date(expiresAt).toUTCString()}.`,
          'If you did not expect this, ignore this message: nothing changes.',
        ].join('\n'),
      },
      now,
      smtp,
    );
  await queueMail(
    trx,
    {
      to: c.user.email,
      kind: 'email_change_notice',
      subject: `The e-mail address of your ${c.firmName} account is being changed`,
      text: [
        `Hello ${c.user.name},`,
        '',
        `${c.requesterName} asked to change the e-mail address of your ${c.firmName} account from ${c.user.email} to ${c.newEmail}.`,
        'A confirmation link was sent to the new address. Until it is used, you keep signing in with this address.',
        '',
        `If this is wrong, contact ${c.firmName} before the link is used.`,
      ].join('\n'),
    },
    now,
    smtp,
  );
}

export interface ValidEmailChange {
  change: EmailChangeRow;
  user: UserRow;
}

/**
 * The change a presented token confirms, or null when it is unknown, tampered, expired, used or
 * voided, or when the account has since changed (no longer active, or another address).
 */
export async function findValidEmailChange(db: DbOrTrx, token: string, now: number): Promise<ValidEmailChange | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const change = await findEmailChangeByHash(db, hashSecretHex(token));
  if (!change || change.used_at !== null || change.voided_at !== null || change.expires_at <= now) return null;
  const user = await findUser(db, change.user_id);
  if (!user || user.status !== 'active' || user.email.toLowerCase() !== change.old_email.toLowerCase()) return null;
  return { change, user };
}

/** The notice to the old address once the change is confirmed. */
export function emailChangedMail(firmName: string, oldEmail: string, newEmail: string) {
  return {
    to: oldEmail,
    kind: 'email_changed',
    subject: `The e-mail address of your ${firmName} account was changed`,
    text: [
      `The e-mail address of your ${firmName} account is now ${newEmail}. This address no longer signs in.`,
      '',
      `If this wasn't you, contact ${firmName} at once.`,
    ].join('\n'),
  };
}
