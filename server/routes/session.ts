import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { auditContextOf } from '../context.js';
import { deleteSession } from '../auth/session.js';
import { clearSessionCookie } from '../auth/cookie.js';
import { requireViewer } from '../middleware/authenticate.js';
import { presentFirm, presentSelf } from '../presenters/user.js';
import { writeAudit } from '../audit.js';
import type { SessionDTO } from '../contracts/api.js';
import { mfaStepFor } from '../auth/sign-in.js';
import { modulesOf } from '../policies/access.js';
import { clientOf } from '../auth/access.js';

/** The current session (who am I) and logout. */
export function sessionRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/session', async (req, res) => {
    const v = requireViewer(req, { mfa: false });
    const firm = await deps.db.selectFrom('firm').selectAll().executeTakeFirst();
    const body: SessionDTO = {
      user: presentSelf(v.user),
      firm: presentFirm(firm),
      mfaVerified: v.session.mfa_verified === 1,
      mfaStep: v.session.mfa_verified ? null : mfaStepFor(v.user, firm),
      modules: v.user.kind === 'portal' ? modulesOf((await clientOf(deps.db, v.user))!) : null,
    };
    res.json(body);
  });

  r.post('/auth/logout', async (req, res) => {
    const v = req.viewer;
    if (v) {
      await deleteSession(deps.db, v.session.id);
      deps.bus.publish('sessions.ended', { sessionIds: [v.session.id], reason: 'logout' });
      await writeAudit(deps.db, auditContextOf(req), { action: 'auth.logout', outcome: 'success', targetType: 'session' }, deps.clock());
    }
    res.append('Set-Cookie', clearSessionCookie(deps.config.secureCookies));
    res.status(204).end();
  });

  return r;
}
