import { serve } from './endpoint.js';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { originContextOf, unsetSessionCookie } from '../middleware/origin-context.js';
import { logout } from '../commands/account/logout.js';
import { sessionPayload } from '../queries/account.js';

/** The current session (who am I) and logout. */
export function sessionRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /session', async ({ req }) => sessionPayload(deps, commandContextOf(req, { mfa: false })));

  serve(r, 'POST /auth/logout', async ({ req, res }) => {
    await logout(deps, originContextOf(req));
    unsetSessionCookie(res, deps.config);
  });

  return r;
}
