import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { originContextOf, unsetSessionCookie } from '../middleware/origin-context.js';
import { logout } from '../commands/account/logout.js';
import { sessionPayload } from '../queries/account.js';

/** The current session (who am I) and logout. */
export function sessionRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/session', async (req, res) => {
    res.json(await sessionPayload(deps, commandContextOf(req, { mfa: false })));
  });

  r.post('/auth/logout', async (req, res) => {
    await logout(deps, originContextOf(req));
    unsetSessionCookie(res, deps.config);
    res.status(204).end();
  });

  return r;
}
