import type { FirmRow, UserRow } from '../../db/schema.js';
import type { AppDeps } from '../context.js';
import type { Config } from '../config.js';
import type { MfaStep } from '../contracts/auth.js';
import { findFirm } from '../repositories/firm.js';
import { clientOf, effectiveTimeouts } from './access.js';
import { createSession } from './session.js';
import { serializeSessionCookie } from './cookie.js';

/**
 * What a person still owes after their password: `enrol` (no second factor yet but one is
 * required), `verify` (a factor enrolled: always asked), `passkey` (a factor proven, but the
 * passkeys-only policy owes a passkey: register one now), or null. MFA is mandatory for portal
 * users; for staff it is asked when they enrolled one, and required when the firm says so.
 */
export function mfaStepFor(kind: UserRow['kind'], enrolled: boolean, firm: Pick<FirmRow, 'mfa_required_for_staff'> | undefined, passkeyOwed = false): MfaStep {
  if (passkeyOwed) return 'passkey';
  if (enrolled) return 'verify';
  if (kind === 'portal' || firm?.mfa_required_for_staff) return 'enrol';
  return null;
}

/** A session just created: its id, and the token and lifetime its cookie carries (`sessionCookieOf`). */
export interface IssuedSession {
  sessionId: string;
  token: string;
  /** The absolute lifetime: the cookie's Max-Age. */
  absoluteMs: number;
}

/** Where a sign-in comes from, recorded on the session (shown in the person's session list). */
export interface SignInOrigin {
  ip?: string | null;
  userAgent?: string | null;
}

/**
 * Create a session for a person, with their effective timeouts. A fresh token is issued at every
 * privilege change: at login, and again when the second factor completes (the caller ends the
 * half-verified one). The caller hands the token to the browser (HTTP: `sessionCookieOf`).
 */
export async function issueSession(
  deps: Pick<AppDeps, 'db' | 'config' | 'clock'>,
  user: Pick<UserRow, 'id' | 'client_id'>,
  mfaVerified: boolean,
  from: SignInOrigin,
  passkeyOwed = false,
  /** A shorter absolute lifetime (an SSO provider that cannot end sessions itself). */
  absoluteCapMs?: number,
): Promise<IssuedSession> {
  const firm = await findFirm(deps.db);
  const usual = effectiveTimeouts(deps.config, firm, await clientOf(deps.db, user));
  const timeouts = absoluteCapMs === undefined ? usual : { ...usual, absoluteMs: Math.min(usual.absoluteMs, absoluteCapMs) };
  const { token, session } = await createSession(
    deps.db,
    { userId: user.id, mfaVerified, passkeyOwed, ip: from.ip ?? null, userAgent: from.userAgent ?? null },
    deps.clock(),
    timeouts,
  );
  return { sessionId: session.id, token, absoluteMs: timeouts.absoluteMs };
}

/** The Set-Cookie value that gives a browser an issued session. */
export function sessionCookieOf(config: Pick<Config, 'secureCookies'>, issued: IssuedSession): string {
  return serializeSessionCookie(issued.token, config.secureCookies, issued.absoluteMs);
}
