import type { Db } from '../../db/client.js';
import type { ClientRow, FirmRow, UserRow } from '../../db/schema.js';
import type { Config } from '../config.js';
import { ipAllowed } from './ip-allowlist.js';
import { endingReason, validateSessionToken, type SessionTimeouts, type Viewer } from './session.js';
import type { SignOutReason } from '../contracts/sign-out.js';
import { clientSees } from '../policies/access.js';
import { scopeOf } from '../repositories/staff-scope.js';
import { findClient } from '../repositories/clients.js';
import { AppError, unauthenticated } from '../errors.js';
import { findUser } from '../repositories/users.js';

/** The session timeouts for a user: their client's override, else the firm's, else the configured default. */
export function effectiveTimeouts(
  config: Config,
  firm: Pick<FirmRow, 'session_idle_minutes' | 'session_absolute_hours'> | undefined,
  client: Pick<ClientRow, 'session_idle_minutes' | 'session_absolute_hours'> | undefined,
): SessionTimeouts {
  const idleMin = client?.session_idle_minutes ?? firm?.session_idle_minutes;
  const absHours = client?.session_absolute_hours ?? firm?.session_absolute_hours;
  return {
    idleMs: idleMin ? idleMin * 60_000 : config.sessionIdleMs,
    absoluteMs: absHours ? absHours * 3_600_000 : config.sessionAbsoluteMs,
  };
}

/**
 * What a stored allowlist that cannot be read becomes: one entry that is no range, so no address
 * matches (fail closed, never "any address") and the admin sees why in the client's settings.
 */
export const UNREADABLE_ALLOWLIST = 'unreadable stored list: enter the allowed ranges again';

/** The client's IP allowlist (empty = any address). */
export function allowlistOf(client: Pick<ClientRow, 'ip_allowlist'> | undefined): string[] {
  if (!client) return [];
  try {
    const list = JSON.parse(client.ip_allowlist);
    return Array.isArray(list) ? list.filter((x): x is string => typeof x === 'string') : [UNREADABLE_ALLOWLIST];
  } catch {
    return [UNREADABLE_ALLOWLIST];
  }
}

/** Why a person may not use the portal right now, independent of their session. */
export type AccessProblem = 'portal_disabled' | 'ip_not_allowed';

const PROBLEM_MESSAGES = {
  portal_disabled: 'The portal is not enabled for your organisation. Contact your security firm to turn it on.',
  ip_not_allowed: 'Your organisation only allows access to this portal from approved networks.',
} as const;

/** The 403 for a session that is valid but refused (portal off, address not on the client's allowlist). */
export function accessProblemError(problem: AccessProblem): AppError {
  return new AppError(403, 'forbidden', PROBLEM_MESSAGES[problem], { reason: problem });
}

/**
 * The viewer's account row with its secrets (password hash, TOTP secrets), read now: for the few
 * account commands that check one (the viewer carries none). Gone meanwhile: 401.
 */
export async function accountOf(db: Db, viewer: Pick<Viewer, 'user'>): Promise<UserRow> {
  const account = await findUser(db, viewer.user.id);
  if (!account || account.status !== 'active') throw unauthenticated();
  return account;
}

/** The user's client (portal users only). */
export async function clientOf(db: Db, user: Pick<UserRow, 'client_id'>): Promise<ClientRow | undefined> {
  if (!user.client_id) return undefined;
  return findClient(db, user.client_id);
}

/** Checks that apply at login, on every request and on the socket handshake alike. */
export function accessProblem(user: UserRow, client: ClientRow | undefined, ip: string | null): AccessProblem | null {
  if (user.kind === 'portal') {
    if (!client || !clientSees('client', client)) return 'portal_disabled';
    if (!ipAllowed(ip, allowlistOf(client))) return 'ip_not_allowed';
  }
  return null;
}

/**
 * A token resolved: the viewer and the milliseconds left before the session's idle deadline as
 * recorded (the SPA's idle warning counts down from it); or no viewer, with the access problem of a
 * live session refused here, or the reason its session was ended (contracts/sign-out.ts).
 */
export type Resolution = { viewer: Viewer; idleRemainingMs: number } | { viewer: null; problem?: AccessProblem; ended?: SignOutReason };

/**
 * THE validator for a session token, used by every HTTP request, the Socket.IO handshake and
 * every socket event: the session exists, its secret matches, it is neither idle- nor absolutely
 * expired (with the user's effective timeouts), the user is active, their client's portal is on,
 * and the address is allowed. `activity: false` checks without moving the idle clock; `idleForMs`
 * says the person's last input was that long ago (contracts/sign-out.ts `IDLE_FOR_HEADER`).
 */
export async function resolveViewer(
  db: Db,
  config: Config,
  token: string,
  now: number,
  ip: string | null,
  activity = true,
  idleForMs = 0,
): Promise<Resolution> {
  const found = await validateSessionToken(db, token, now, ({ firm, client }) => effectiveTimeouts(config, firm, client), activity, idleForMs);
  if (!found) {
    const ended = await endingReason(db, token);
    return ended ? { viewer: null, ended } : { viewer: null };
  }
  const { session, user, client, firm } = found;
  const { idleMs } = effectiveTimeouts(config, firm, client);
  const problem = accessProblem(user, client, ip);
  if (problem) return { viewer: null, problem };
  const { secret_hash: _checked, ...kept } = session;
  const { password_hash: _p, totp_secret_enc, totp_pending_enc: _t, totp_last_step: _s, ...person } = user;
  return {
    viewer: {
      session: kept,
      user: {
        ...person,
        mfa_enrolled: totp_secret_enc !== null || person.passkey_count > 0,
        totp_enrolled: totp_secret_enc !== null,
        scope: await scopeOf(db, user, firm),
      },
    },
    idleRemainingMs: Math.max(0, session.last_active_at + idleMs - now),
  };
}
