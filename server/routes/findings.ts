import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { FindingInput, FindingPatch, FindingStatusInput } from '../contracts/workspace.js';
import { parseInput } from '../validate.js';
import { commandContextOf } from '../middleware/command-context.js';
import { getFinding, listFindings } from '../queries/findings/read.js';
import { createFinding } from '../commands/findings/create.js';
import { updateFinding } from '../commands/findings/update.js';
import { setFindingPublished } from '../commands/findings/publish.js';
import { changeFindingStatus } from '../commands/findings/change-status.js';
import { deleteFinding } from '../commands/findings/delete.js';

/** Findings, staff side: drafts, internal notes, publishing and status (portal users get 404 for every id). */
export function findingsRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/projects/:id/findings', async (req, res) => {
    res.json({ findings: await listFindings(deps, commandContextOf(req), req.params.id) });
  });
  r.post('/projects/:id/findings', async (req, res) => {
    const ctx = commandContextOf(req);
    res.status(201).json({ finding: await createFinding(deps, ctx, req.params.id, parseInput(FindingInput, req.body)) });
  });
  r.get('/findings/:id', async (req, res) => {
    res.json({ finding: await getFinding(deps, commandContextOf(req), req.params.id) });
  });
  r.patch('/findings/:id', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json({ finding: await updateFinding(deps, ctx, req.params.id, parseInput(FindingPatch, req.body)) });
  });
  r.post('/findings/:id/publish', async (req, res) => {
    res.json({ finding: await setFindingPublished(deps, commandContextOf(req), req.params.id, true) });
  });
  r.post('/findings/:id/unpublish', async (req, res) => {
    res.json({ finding: await setFindingPublished(deps, commandContextOf(req), req.params.id, false) });
  });
  r.post('/findings/:id/status', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json({ finding: await changeFindingStatus(deps, ctx, req.params.id, parseInput(FindingStatusInput, req.body)) });
  });
  r.delete('/findings/:id', async (req, res) => {
    await deleteFinding(deps, commandContextOf(req), req.params.id);
    res.status(204).end();
  });

  return r;
}
