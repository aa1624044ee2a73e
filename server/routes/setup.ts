import { serve } from './endpoint.js';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { originContextOf, setSessionCookie } from '../middleware/origin-context.js';
import { presentSelf } from '../presenters/user.js';
import { setUpFirm } from '../commands/account/set-up-firm.js';
import { requireSetupOpen } from '../queries/account.js';

/** First-run setup: creates the firm and the first admin. 404 once any staff account exists. */
export function setupRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /setup', async () => {
    await requireSetupOpen(deps);
    return { setupRequired: true };
  });

  serve(r, 'POST /setup', async ({ req, res, input }) => {
    await requireSetupOpen(deps);
    const { user, session, mfaStep } = await setUpFirm(deps, originContextOf(req), input());
    req.log.info({ userId: user.id }, 'first admin created');
    setSessionCookie(res, deps.config, session);
    return { user: presentSelf(user), mfaStep };
  });

  return r;
}
