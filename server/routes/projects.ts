import { Router } from 'express';
import { teamOptions } from '../queries/projects/read.js';
import type { AppDeps } from '../context.js';
import { ProjectInput, ProjectPatch } from '../contracts/workspace.js';
import { parseInput } from '../validate.js';
import { commandContextOf } from '../middleware/command-context.js';
import { getProject, listAllProjects, listClientProjects } from '../queries/projects/read.js';
import { createProject } from '../commands/projects/create.js';
import { updateProject } from '../commands/projects/update.js';

/** Projects of the firm's clients (staff; portal users get 404 for any id, 403 for the firm-wide list). */
export function projectsRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/projects', async (req, res) => {
    res.json({ projects: await listAllProjects(deps, commandContextOf(req)) });
  });
  // Before /projects/:id, which would otherwise take "team-options" for an id.
  r.get('/projects/team-options', async (req, res) => {
    res.json({ staff: await teamOptions(deps, commandContextOf(req)) });
  });
  r.get('/clients/:clientId/projects', async (req, res) => {
    res.json({ projects: await listClientProjects(deps, commandContextOf(req), req.params.clientId) });
  });
  r.post('/clients/:clientId/projects', async (req, res) => {
    const ctx = commandContextOf(req);
    res.status(201).json({ project: await createProject(deps, ctx, req.params.clientId, parseInput(ProjectInput, req.body)) });
  });
  r.get('/projects/:id', async (req, res) => {
    res.json({ project: await getProject(deps, commandContextOf(req), req.params.id) });
  });
  r.patch('/projects/:id', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json({ project: await updateProject(deps, ctx, req.params.id, parseInput(ProjectPatch, req.body)) });
  });

  return r;
}
