import type { RequestHandler } from 'express';
import type { AppDeps } from '../context.js';
import { readSessionCookie } from '../auth/cookie.js';
import { validateSessionToken, type Viewer } from '../auth/session.js';
import { forbidden, mfaRequired, unauthenticated } from '../errors.js';

/** The timeouts that apply to a user: the firm's defaults (a per-client override comes with client settings). */
export function timeoutsFor(deps: AppDeps) {
  return () => ({ idleMs: deps.config.sessionIdleMs, absoluteMs: deps.config.sessionAbsoluteMs });
}

/**
 * Resolve the cookie to a viewer, the same way for HTTP and the socket handshake.
 * Never throws for a bad cookie: the viewer is simply null.
 */
export async function viewerFromCookie(deps: AppDeps, cookieHeader: string | undefined): Promise<Viewer | null> {
  const token = readSessionCookie(cookieHeader, deps.config.secureCookies);
  if (!token) return null;
  return validateSessionToken(deps.db, token, deps.clock(), timeoutsFor(deps));
}

/** Attach `req.viewer` (or null). */
export function authenticate(deps: AppDeps): RequestHandler {
  return async (req, _res, next) => {
    req.viewer = await viewerFromCookie(deps, req.get('cookie'));
    next();
  };
}

type Need = { kind?: 'staff' | 'portal'; mfa?: boolean; role?: 'admin' };

/**
 * The guard ladder: signed in → second factor done (unless `mfa: false`, for the MFA steps
 * themselves) → the right kind of account → the right staff role. Returns the viewer or throws.
 */
export function requireViewer(req: Express.Request, need: Need = {}): Viewer {
  const v = req.viewer;
  if (!v) throw unauthenticated();
  if (need.mfa !== false && !v.session.mfa_verified) throw mfaRequired();
  if (need.kind && v.user.kind !== need.kind) throw forbidden();
  if (need.role && v.user.role !== need.role) throw forbidden();
  return v;
}
