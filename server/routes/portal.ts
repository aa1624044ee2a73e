import { serve } from './endpoint.js';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { portalDashboard, portalFinding, portalProject, portalProjectFindings, portalProjects, portalReports, portalActivity } from '../queries/portal.js';

/**
 * What a client's people read: dashboard, projects, findings and reports of their own organisation.
 * Every read needs a signed-in, verified portal user (staff get 403); `queries/portal.ts` does the rest.
 */
export function portalRouter(deps: AppDeps): Router {
  const r = Router();
  const reader = (req: Parameters<typeof commandContextOf>[0]) => commandContextOf(req, { kind: 'portal' });

  serve(r, 'GET /portal/dashboard', async ({ req }) => portalDashboard(deps, reader(req)));

  serve(r, 'GET /portal/projects', async ({ req }) => ({ projects: await portalProjects(deps, reader(req)) }));

  serve(r, 'GET /portal/projects/:projectId', async ({ req }) => portalProject(deps, reader(req), req.params.projectId));
  serve(r, 'GET /portal/projects/:projectId/findings', async ({ req, input }) => portalProjectFindings(deps, reader(req), req.params.projectId, input()));

  serve(r, 'GET /portal/findings/:findingId', async ({ req }) => ({ finding: await portalFinding(deps, reader(req), req.params.findingId) }));

  serve(r, 'GET /portal/reports', async ({ req }) => ({ reports: await portalReports(deps, reader(req)) }));

  serve(r, 'GET /portal/activity', async ({ req, input }) => portalActivity(deps, reader(req), input()));

  return r;
}
