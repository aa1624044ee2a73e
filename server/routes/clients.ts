import { serve } from './endpoint.js';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { setClientStaff } from '../commands/clients/assign-staff.js';
import { getClientStaff } from '../queries/clients/staff.js';
import { commandContextOf } from '../middleware/command-context.js';
import { getClient, listClients } from '../queries/clients/read.js';
import { createClient } from '../commands/clients/create.js';
import { updateClient } from '../commands/clients/update.js';
import { archiveClient } from '../commands/clients/archive.js';

/** Client organisations and their portal security settings (staff only; portal users get 403, or 404 for any id). */
export function clientsRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /clients', async ({ req }) => ({ clients: await listClients(deps, commandContextOf(req)) }));
  serve(r, 'POST /clients', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { client: await createClient(deps, ctx, input()) };
  });
  serve(r, 'GET /clients/:clientId', async ({ req }) => ({ client: await getClient(deps, commandContextOf(req), req.params.clientId) }));
  serve(r, 'PATCH /clients/:clientId', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { client: await updateClient(deps, ctx, req.params.clientId, input()) };
  });
  serve(r, 'POST /clients/:clientId/archive', async ({ req }) => ({ client: await archiveClient(deps, commandContextOf(req), req.params.clientId) }));
  serve(r, 'GET /clients/:clientId/staff', async ({ req }) => ({ staff: await getClientStaff(deps, commandContextOf(req), req.params.clientId) }));
  serve(r, 'PUT /clients/:clientId/staff', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { staff: await setClientStaff(deps, ctx, req.params.clientId, input()) };
  });

  return r;
}
