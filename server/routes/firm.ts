import { serve } from './endpoint.js';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { getFirmSettings } from '../queries/firm/settings.js';
import { updateFirmSettings } from '../commands/firm/update-settings.js';

/** Company settings: any staff member reads them, only admins change them (portal users: 403). */
export function firmRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /firm', async ({ req }) => ({ firm: await getFirmSettings(deps, commandContextOf(req)) }));
  serve(r, 'PUT /firm', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { firm: await updateFirmSettings(deps, ctx, input()) };
  });

  return r;
}
