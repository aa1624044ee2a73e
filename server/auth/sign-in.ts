import type { Request, Response } from 'express';
import type { FirmRow, UserRow } from '../../db/schema.js';
import type { AppDeps } from '../context.js';
import { clientOf, effectiveTimeouts } from './access.js';
import { createSession } from './session.js';
import { serializeSessionCookie } from './cookie.js';

/**
 * What a person still owes after their password: `enrol` (no TOTP yet but one is required),
 * `verify` (TOTP enrolled: always asked), or null. MFA is mandatory for portal users; for staff
 * it is asked when they enrolled one, and required when the firm says so.
 */
export function mfaStepFor(user: Pick<UserRow, 'kind' | 'totp_secret_enc'>, firm: Pick<FirmRow, 'mfa_required_for_staff'> | undefined): 'enrol' | 'verify' | null {
  if (user.totp_secret_enc) return 'verify';
  if (user.kind === 'portal' || firm?.mfa_required_for_staff) return 'enrol';
  return null;
}

/**
 * Create a session and set its cookie. A fresh token is issued at every privilege change: at
 * login, and again when the second factor completes (the caller ends the half-verified one).
 */
export async function startSession(deps: AppDeps, req: Request, res: Response, user: UserRow, mfaVerified: boolean): Promise<string> {
  const firm = await deps.db.selectFrom('firm').selectAll().executeTakeFirst();
  const timeouts = effectiveTimeouts(deps.config, firm, await clientOf(deps.db, user));
  const { token, session } = await createSession(
    deps.db,
    { userId: user.id, mfaVerified, ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null },
    deps.clock(),
    timeouts,
  );
  res.append('Set-Cookie', serializeSessionCookie(token, deps.config.secureCookies, timeouts.absoluteMs));
  return session.id;
}
