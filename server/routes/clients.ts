import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { ClientStaffInput, CreateClientInput, UpdateClientInput } from '../contracts/clients.js';
import { setClientStaff } from '../commands/clients/assign-staff.js';
import { getClientStaff } from '../queries/clients/staff.js';
import { parseInput } from '../validate.js';
import { commandContextOf } from '../middleware/command-context.js';
import { getClient, listClients } from '../queries/clients/read.js';
import { createClient } from '../commands/clients/create.js';
import { updateClient } from '../commands/clients/update.js';
import { archiveClient } from '../commands/clients/archive.js';

/** Client organisations and their portal security settings (staff only; portal users get 403, or 404 for any id). */
export function clientsRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/clients', async (req, res) => {
    res.json({ clients: await listClients(deps, commandContextOf(req)) });
  });
  r.post('/clients', async (req, res) => {
    const ctx = commandContextOf(req);
    res.status(201).json({ client: await createClient(deps, ctx, parseInput(CreateClientInput, req.body)) });
  });
  r.get('/clients/:clientId', async (req, res) => {
    res.json({ client: await getClient(deps, commandContextOf(req), req.params.clientId) });
  });
  r.patch('/clients/:clientId', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json({ client: await updateClient(deps, ctx, req.params.clientId, parseInput(UpdateClientInput, req.body)) });
  });
  r.post('/clients/:clientId/archive', async (req, res) => {
    res.json({ client: await archiveClient(deps, commandContextOf(req), req.params.clientId) });
  });
  r.get('/clients/:clientId/staff', async (req, res) => {
    res.json({ staff: await getClientStaff(deps, commandContextOf(req), req.params.clientId) });
  });
  r.put('/clients/:clientId/staff', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json({ staff: await setClientStaff(deps, ctx, req.params.clientId, parseInput(ClientStaffInput, req.body)) });
  });

  return r;
}
