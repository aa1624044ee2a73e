import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { FirmSettingsInput } from '../contracts/firm.js';
import { parseInput } from '../validate.js';
import { commandContextOf } from '../middleware/command-context.js';
import { getFirmSettings } from '../queries/firm/settings.js';
import { updateFirmSettings } from '../commands/firm/update-settings.js';

/** Company settings: any staff member reads them, only admins change them (portal users: 403). */
export function firmRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/firm', async (req, res) => {
    res.json({ firm: await getFirmSettings(deps, commandContextOf(req)) });
  });
  r.put('/firm', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json({ firm: await updateFirmSettings(deps, ctx, parseInput(FirmSettingsInput, req.body)) });
  });

  return r;
}
