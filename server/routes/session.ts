import { Router, type Request, type Response } from 'express';
import type { AppDeps } from '../context.js';
import { auditContextOf } from '../context.js';
import { createSession, deleteSession } from '../auth/session.js';
import { clearSessionCookie, serializeSessionCookie } from '../auth/cookie.js';
import { requireViewer } from '../middleware/authenticate.js';
import { presentFirm, presentSelf } from '../presenters/user.js';
import { writeAudit } from '../audit.js';
import type { SessionDTO } from '../contracts/api.js';

/** Create a session for a user and set its cookie (a fresh token at login and at MFA completion). */
export async function startSession(deps: AppDeps, req: Request, res: Response, userId: string, mfaVerified: boolean) {
  const timeouts = { idleMs: deps.config.sessionIdleMs, absoluteMs: deps.config.sessionAbsoluteMs };
  const { token } = await createSession(deps.db, { userId, mfaVerified, ip: req.ip ?? null, userAgent: req.get('user-agent') ?? null }, deps.clock(), timeouts);
  res.append('Set-Cookie', serializeSessionCookie(token, deps.config.secureCookies, timeouts.absoluteMs));
}

/** The current session (who am I) and logout. */
export function sessionRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/session', async (req, res) => {
    const v = requireViewer(req, { mfa: false });
    const firm = await deps.db.selectFrom('firm').selectAll().executeTakeFirst();
    const body: SessionDTO = { user: presentSelf(v.user), firm: presentFirm(firm), mfaVerified: v.session.mfa_verified === 1 };
    res.json(body);
  });

  r.post('/auth/logout', async (req, res) => {
    const v = req.viewer;
    if (v) {
      await deleteSession(deps.db, v.session.id);
      await writeAudit(deps.db, auditContextOf(req), { action: 'auth.logout', outcome: 'success', targetType: 'session' }, deps.clock());
    }
    res.append('Set-Cookie', clearSessionCookie(deps.config.secureCookies));
    res.status(204).end();
  });

  return r;
}
