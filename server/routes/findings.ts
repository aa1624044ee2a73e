import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { getFinding, listFindings } from '../queries/findings/read.js';
import { createFinding } from '../commands/findings/create.js';
import { updateFinding } from '../commands/findings/update.js';
import { setFindingPublished } from '../commands/findings/publish.js';
import { changeFindingStatus } from '../commands/findings/change-status.js';
import { deleteFinding } from '../commands/findings/delete.js';
import { serve } from './endpoint.js';

/** Findings, staff side: drafts, internal notes, publishing and status (portal users get 404 for every id). */
export function findingsRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /projects/:id/findings', async ({ req, input }) => listFindings(deps, commandContextOf(req), req.params.id, input()));
  serve(r, 'POST /projects/:id/findings', async ({ req, input }) => ({
    finding: await createFinding(deps, commandContextOf(req), req.params.id, input()),
  }));
  serve(r, 'GET /findings/:id', async ({ req }) => ({ finding: await getFinding(deps, commandContextOf(req), req.params.id) }));
  serve(r, 'PATCH /findings/:id', async ({ req, input }) => ({ finding: await updateFinding(deps, commandContextOf(req), req.params.id, input()) }));
  serve(r, 'POST /findings/:id/publish', async ({ req, input }) => {
    const { confirm } = input();
    return { finding: await setFindingPublished(deps, commandContextOf(req), req.params.id, true, confirm) };
  });
  serve(r, 'POST /findings/:id/unpublish', async ({ req }) => ({ finding: await setFindingPublished(deps, commandContextOf(req), req.params.id, false) }));
  serve(r, 'POST /findings/:id/status', async ({ req, input }) => ({
    finding: await changeFindingStatus(deps, commandContextOf(req), req.params.id, input()),
  }));
  serve(r, 'DELETE /findings/:id', async ({ req }) => deleteFinding(deps, commandContextOf(req), req.params.id));

  return r;
}
