import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { SetupInput } from '../contracts/api.js';
import { parseInput } from '../validate.js';
import { originContextOf, setSessionCookie } from '../middleware/origin-context.js';
import { presentSelf } from '../presenters/user.js';
import { setUpFirm } from '../commands/account/set-up-firm.js';
import { requireSetupOpen } from '../queries/account.js';

/** First-run setup: creates the firm and the first admin. 404 once any staff account exists. */
export function setupRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/setup', async (_req, res) => {
    await requireSetupOpen(deps);
    res.json({ setupRequired: true });
  });

  r.post('/setup', async (req, res) => {
    await requireSetupOpen(deps);
    const { user, session } = await setUpFirm(deps, originContextOf(req), parseInput(SetupInput, req.body));
    req.log.info({ userId: user.id }, 'first admin created');
    setSessionCookie(res, deps.config, session);
    res.status(201).json({ user: presentSelf(user) });
  });

  return r;
}
