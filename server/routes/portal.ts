import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { portalDashboard, portalFinding, portalProject, portalProjects, portalReports } from '../queries/portal.js';

/**
 * What a client's people read: dashboard, projects, findings and reports of their own organisation.
 * Every read needs a signed-in, verified portal user (staff get 403); `queries/portal.ts` does the rest.
 */
export function portalRouter(deps: AppDeps): Router {
  const r = Router();
  const reader = (req: Parameters<typeof commandContextOf>[0]) => commandContextOf(req, { kind: 'portal' });

  r.get('/portal/dashboard', async (req, res) => {
    res.json(await portalDashboard(deps, reader(req)));
  });

  r.get('/portal/projects', async (req, res) => {
    res.json({ projects: await portalProjects(deps, reader(req)) });
  });

  r.get('/portal/projects/:projectId', async (req, res) => {
    res.json(await portalProject(deps, reader(req), req.params.projectId));
  });

  r.get('/portal/findings/:findingId', async (req, res) => {
    res.json({ finding: await portalFinding(deps, reader(req), req.params.findingId) });
  });

  r.get('/portal/reports', async (req, res) => {
    res.json({ reports: await portalReports(deps, reader(req)) });
  });

  return r;
}
