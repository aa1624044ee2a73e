import type { RequestHandler } from 'express';
import type { AppDeps } from '../context.js';
import { readSessionCookie } from '../auth/cookie.js';
import { accessProblemError, resolveViewer, type Resolution } from '../auth/access.js';
import type { Viewer } from '../auth/session.js';
import { forbidden, mfaRequired, sessionEnded, unauthenticated } from '../errors.js';
import { IDLE_FOR_HEADER, IDLE_REMAINING_HEADER } from '../contracts/sign-out.js';

/**
 * Resolve the cookie to a viewer, the same way for HTTP, the socket handshake and every socket
 * event (`activity` as in resolveViewer). Never throws for a bad cookie: the viewer is simply null.
 */
export async function viewerFromCookie(
  deps: AppDeps,
  cookieHeader: string | undefined,
  ip: string | null,
  activity = true,
  idleForMs = 0,
): Promise<Resolution> {
  const token = readSessionCookie(cookieHeader, deps.config.secureCookies);
  if (!token) return { viewer: null };
  return resolveViewer(deps.db, deps.config, token, deps.clock(), ip, activity, idleForMs);
}

/**
 * Attach `req.viewer` (or null) and, for a valid session that may not be used from here,
 * `req.accessProblem`; for a session ended for a reason, `req.signOutReason`. A signed-in answer
 * says how long the session has before its idle deadline (the SPA's idle warning).
 */
export function authenticate(deps: AppDeps): RequestHandler {
  return async (req, res, next) => {
    const idleFor = Number(req.get(IDLE_FOR_HEADER) ?? 0);
    const r = await viewerFromCookie(deps, req.get('cookie'), req.ip ?? null, true, Number.isFinite(idleFor) ? idleFor : 0);
    req.viewer = r.viewer;
    if (r.viewer) res.setHeader(IDLE_REMAINING_HEADER, String(r.idleRemainingMs));
    else {
      req.accessProblem = r.problem;
      req.signOutReason = r.ended;
    }
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
  if (!v) throw req.accessProblem ? accessProblemError(req.accessProblem) : req.signOutReason ? sessionEnded(req.signOutReason) : unauthenticated();
  if (need.mfa !== false && !v.session.mfa_verified) throw mfaRequired();
  if (need.kind && v.user.kind !== need.kind) throw forbidden();
  if (need.role && v.user.role !== need.role) throw forbidden();
  return v;
}
