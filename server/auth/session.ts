import type { Db } from '../../db/client.js';
import type { SessionRow, UserRow } from '../../db/schema.js';
import type { ClientScope } from '../policies/access.js';
import { hashSecret, randomToken, secretMatches } from './tokens.js';
import {
  deleteSessionRow,
  endSessionRows,
  findSessionEnding,
  findSessionOwner,
  insertSession,
  touchSession,
  type SessionOwner,
} from '../repositories/sessions.js';
import { isSignOutReason, touchIntervalMs, type SignOutReason } from '../contracts/sign-out.js';

/**
 * Sessions after the Lucia design (lucia-auth.com), written here with @oslojs: the token is
 * `<id>.<secret>`; only SHA-256(secret) is stored; validation looks the row up by id and
 * compares the secret's hash in constant time. Expiry is both idle (sliding) and absolute.
 */

export interface SessionTimeouts {
  idleMs: number;
  absoluteMs: number;
}

/** What an account holds that only its own sign-in and MFA commands read (they read it themselves: `accountOf`). */
type UserSecrets = Pick<UserRow, 'password_hash' | 'totp_secret_enc' | 'totp_pending_enc' | 'totp_last_step'>;

/**
 * Who makes a request or holds a socket: the session, its person and the clients they reach.
 * It carries no secret (no password hash, TOTP secret or session hash): it lives on every open
 * socket, and a request needs none of them but the few account commands that read their own.
 */
export interface Viewer {
  user: Omit<UserRow, keyof UserSecrets> & {
    /** A second factor of any kind: an authenticator app or a passkey. */
    mfa_enrolled: boolean;
    /** An authenticator app (TOTP). */
    totp_enrolled: boolean;
    scope: ClientScope;
  };
  /** The session without its secret's hash: checked once, never needed again (and never kept on a socket). */
  session: Omit<SessionRow, 'secret_hash'>;
}

export interface NewSessionInput {
  userId: string;
  mfaVerified: boolean;
  /** Not verified yet: a second factor was proven, but the passkeys-only policy owes a passkey first. */
  passkeyOwed?: boolean;
  ip: string | null;
  userAgent: string | null;
}

/** Create a session and return the token to put in the cookie (it is not stored anywhere). */
export async function createSession(db: Db, input: NewSessionInput, now: number, timeouts: SessionTimeouts): Promise<{ token: string; session: SessionRow }> {
  const id = randomToken(15);
  const secret = randomToken(20);
  const session: SessionRow = {
    id,
    secret_hash: hashSecret(secret),
    user_id: input.userId,
    mfa_verified: input.mfaVerified ? 1 : 0,
    created_at: now,
    last_active_at: now,
    expires_at: now + timeouts.absoluteMs,
    ip: input.ip,
    user_agent: input.userAgent?.slice(0, 512) ?? null,
    check_at: 0, // the sweep computes it (the timeouts here may not be the person's own)
    passkey_owed: !input.mfaVerified && input.passkeyOwed ? 1 : 0,
  };
  await insertSession(db, session);
  return { token: `${id}.${secret}`, session };
}

/**
 * The one rule of when a session ends: `endedBy` says why it has ended by `now` (a person no longer
 * active: removed; past its absolute lifetime: expired; idle too long: idle_timeout), else null;
 * `endsAt` is when it will end if nothing moves its idle clock. Requests apply it on sight, the
 * sweep (auth/revoke.ts) to sessions nobody uses.
 */
export function sessionEnd(
  session: Pick<SessionRow, 'created_at' | 'last_active_at' | 'expires_at'>,
  userStatus: string,
  { idleMs, absoluteMs }: SessionTimeouts,
  now: number,
): { endedBy: SignOutReason | null; endsAt: number } {
  const absoluteEnd = Math.min(session.expires_at, session.created_at + absoluteMs);
  const endsAt = Math.min(absoluteEnd, session.last_active_at + idleMs);
  // A removed person is told so even when their session also timed out; an absolute end outranks idleness.
  const endedBy = userStatus !== 'active' ? 'removed' : now >= absoluteEnd ? 'expired' : now >= endsAt ? 'idle_timeout' : null;
  return { endedBy, endsAt };
}

/**
 * Resolve a token to its session and owner (one read), or null. Expired sessions (idle or absolute) and
 * sessions of users who are no longer active are deleted on sight. `timeoutsFor` picks the
 * timeouts that apply to the user (firm default or their client's override). `touch` says
 * whether this use is the person's activity (a request, an action over the socket) and so
 * moves the idle clock; a mere check (a socket held open, a re-check after a change) does not.
 */
export async function validateSessionToken(
  db: Db,
  token: string,
  now: number,
  timeoutsFor: (owner: SessionOwner) => SessionTimeouts,
  touch = true,
  idleForMs = 0,
): Promise<SessionOwner | null> {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 128) return null;
  const id = token.slice(0, dot);
  const secret = token.slice(dot + 1);
  const found = await findSessionOwner(db, id);
  if (!found || !secretMatches(secret, found.session.secret_hash)) return null;
  const { session, user } = found;
  // Ended on sight, with the reason the next request (and the sweep's socket event) gives.
  const timeouts = timeoutsFor(found);
  const { endedBy } = sessionEnd(session, user.status, timeouts, now);
  if (endedBy) {
    await endSessionRows(db, (eb) => eb('id', '=', id), endedBy, now);
    return null;
  }
  const { idleMs } = timeouts;
  // The person's activity happened `idleForMs` ago (the page says so; it can only shorten its own session).
  const at = now - Math.min(Math.max(0, idleForMs), idleMs);
  if (touch && at - session.last_active_at >= touchIntervalMs(idleMs)) {
    await touchSession(db, id, at);
    session.last_active_at = at;
  }
  return found;
}

/**
 * Why the session of a token that no longer resolves was ended (a reason of contracts/sign-out.ts),
 * or null: no such record, or the secret does not match (only the cookie's holder is told).
 */
export async function endingReason(db: Db, token: string): Promise<SignOutReason | null> {
  const dot = token.indexOf('.');
  if (dot <= 0 || token.length > 128) return null;
  const found = await findSessionEnding(db, token.slice(0, dot));
  if (!found || !secretMatches(token.slice(dot + 1), found.secret_hash)) return null;
  return isSignOutReason(found.reason) ? found.reason : null;
}

/** End one session. */
export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await deleteSessionRow(db, sessionId);
}
