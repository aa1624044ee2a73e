import { serve } from './endpoint.js';
import { Router } from 'express';
import { teamOptions } from '../queries/projects/read.js';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { getProject, listAllProjects, listClientProjects } from '../queries/projects/read.js';
import { createProject } from '../commands/projects/create.js';
import { updateProject } from '../commands/projects/update.js';

/** Projects of the firm's clients (staff; portal users get 404 for any id, 403 for the firm-wide list). */
export function projectsRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /projects', async ({ req, input }) => listAllProjects(deps, commandContextOf(req), input()));
  // Before /projects/:id, which would otherwise take "team-options" for an id.
  serve(r, 'GET /projects/team-options', async ({ req }) => ({ staff: await teamOptions(deps, commandContextOf(req)) }));
  serve(r, 'GET /clients/:clientId/projects', async ({ req }) => ({ projects: await listClientProjects(deps, commandContextOf(req), req.params.clientId) }));
  serve(r, 'POST /clients/:clientId/projects', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { project: await createProject(deps, ctx, req.params.clientId, input()) };
  });
  serve(r, 'GET /projects/:id', async ({ req }) => ({ project: await getProject(deps, commandContextOf(req), req.params.id) }));
  serve(r, 'PATCH /projects/:id', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { project: await updateProject(deps, ctx, req.params.id, input()) };
  });

  return r;
}
