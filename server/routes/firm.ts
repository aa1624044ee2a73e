import { serve } from './endpoint.js';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { getFirmSettings } from '../queries/firm/settings.js';
import { updateFirmSettings } from '../commands/firm/update-settings.js';
import { getMessageSettings, getPortalMessages, previewMessage } from '../queries/firm/messages.js';
import { updateMessages } from '../commands/firm/update-messages.js';

/** Company settings: any staff member reads them, only admins change them (portal users: 403). */
export function firmRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /firm', async ({ req }) => ({ firm: await getFirmSettings(deps, commandContextOf(req)) }));
  serve(r, 'PUT /firm', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { firm: await updateFirmSettings(deps, ctx, input()) };
  });

  // The firm's portal messages: staff read the settings, admins change and preview them; every signed-in person reads the rendered ones.
  serve(r, 'GET /firm/messages', async ({ req }) => ({ messages: await getMessageSettings(deps, commandContextOf(req)) }));
  serve(r, 'PUT /firm/messages', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { messages: await updateMessages(deps, ctx, input()) };
  });
  serve(r, 'POST /firm/messages/preview', ({ req, input }) => {
    const ctx = commandContextOf(req);
    return previewMessage(ctx, input());
  });
  serve(r, 'GET /messages', async ({ req }) => {
    commandContextOf(req);
    return { messages: await getPortalMessages(deps) };
  });

  return r;
}
