import { serve } from './endpoint.js';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { originContextOf, unsetSessionCookie } from '../middleware/origin-context.js';
import { logout } from '../commands/account/logout.js';
import { sessionPayload } from '../queries/account.js';
import { staySignedIn } from '../commands/account/stay-signed-in.js';
import { IDLE_REMAINING_HEADER } from '../contracts/sign-out.js';

/** The current session (who am I), staying signed in, and logout. */
export function sessionRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /session', async ({ req }) => sessionPayload(deps, commandContextOf(req, { mfa: false })));

  // "Stay signed in": recorded as activity now; the answer's header says the deadline moved too.
  serve(r, 'POST /session/activity', async ({ req, res, input }) => {
    input();
    const answer = await staySignedIn(deps, commandContextOf(req));
    res.setHeader(IDLE_REMAINING_HEADER, String(answer.idleRemainingMs));
    return answer;
  });

  serve(r, 'POST /auth/logout', async ({ req, res }) => {
    const answer = await logout(deps, originContextOf(req));
    unsetSessionCookie(res, deps.config);
    return answer;
  });

  return r;
}
