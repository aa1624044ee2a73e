import { Router, type Request } from 'express';
import type { AppDeps } from '../context.js';
import { auditContextOf } from '../context.js';
import type { ClientRow } from '../../db/schema.js';
import type { Module } from '../contracts/workspace.js';
import type { DashboardDTO, PortalProjectDTO } from '../contracts/portal.js';
import { requireViewer } from '../middleware/authenticate.js';
import { clientOf } from '../auth/access.js';
import { authorize, type Action } from '../policies/index.js';
import { requireClientModule, requireSees, seesModule } from '../policies/access.js';
import { portalProfile, type VisibilityProfile } from '../visibility/profile.js';
import { notFound } from '../errors.js';
import { writeAudit } from '../audit.js';
import * as repo from '../repositories/portal.js';
import { remediationDays } from '../repositories/remediation.js';
import { dueOf } from '../services/deadlines.js';
import { presentFinding, presentProject, presentReport } from '../presenters/workspace.js';
import {
  countsByProject, emptyCounts, presentActivity, presentFindingSummary, presentOpenBySeverity, presentProgress,
} from '../presenters/dashboard.js';

const ACTIVITY_LIMIT = 10;

interface PortalReader {
  clientId: string;
  client: ClientRow;
  profile: VisibilityProfile;
  /** Whether the viewer may open a module's part of a page (`policies/access.ts`). */
  opens: (module: Module) => boolean;
}

/**
 * The guard of every portal read: a signed-in, verified portal user (staff get 403), allowed the
 * action on their own client's data, in a module their client may use. The client is ALWAYS the
 * viewer's own; nothing in the request can name another. The client row is read per request, so
 * a change to modules or visible fields applies to the very next request.
 */
async function portalReader(deps: AppDeps, req: Request, action: Action, module?: Module): Promise<PortalReader> {
  const viewer = requireViewer(req, { kind: 'portal' });
  const clientId = viewer.user.client_id;
  if (!clientId) throw notFound();
  authorize(viewer.user, action, { type: 'clientData', clientId });
  const client = requireSees(viewer.user, 'client', await clientOf(deps.db, viewer.user));
  if (module) requireClientModule(viewer.user, client, module);
  return { clientId, client, profile: portalProfile(client), opens: (m) => seesModule(viewer.user, client, m) };
}

/** "Pages viewed" for the audit log: one cheap insert per project, finding or reports-list view. */
function auditView(deps: AppDeps, req: Request, targetType: 'project' | 'finding' | 'reports', targetId?: string): Promise<void> {
  return writeAudit(deps.db, auditContextOf(req), { action: 'portal.viewed', outcome: 'success', targetType, targetId }, deps.clock());
}

/** What a client's people read: dashboard, projects, findings and reports of their own organisation. */
export function portalRouter(deps: AppDeps): Router {
  const r = Router();
  const db = deps.db;

  r.get('/portal/dashboard', async (req, res) => {
    const { clientId, opens } = await portalReader(deps, req, 'dashboard.read');
    // A module that is off removes its part of the dashboard; the dashboard itself always loads.
    const body: DashboardDTO = { recentActivity: [] };
    if (opens('projects')) body.activeProjects = await repo.countActiveProjects(db, clientId);
    if (opens('findings')) body.openBySeverity = presentOpenBySeverity(await repo.countOpenBySeverity(db, clientId));
    if (opens('projects') && opens('findings')) body.progress = presentProgress(await repo.remediationProgress(db, clientId));
    body.recentActivity = presentActivity(
      {
        publications: opens('findings') ? await repo.recentPublications(db, clientId, ACTIVITY_LIMIT) : [],
        statusChanges: opens('findings') ? await repo.recentStatusChanges(db, clientId, ACTIVITY_LIMIT) : [],
        reports: opens('reports') ? await repo.recentReports(db, clientId, ACTIVITY_LIMIT) : [],
      },
      ACTIVITY_LIMIT,
    );
    res.json(body);
  });

  r.get('/portal/projects', async (req, res) => {
    const { clientId, profile } = await portalReader(deps, req, 'project.read', 'projects');
    const projects = await repo.listProjects(db, clientId);
    const counts = countsByProject(await repo.countFindings(db, clientId));
    res.json({ projects: projects.map((p) => presentProject(p, { counts: counts.get(p.id) ?? emptyCounts() }, profile)) });
  });

  r.get('/portal/projects/:projectId', async (req, res) => {
    const { clientId, profile, opens } = await portalReader(deps, req, 'project.read', 'projects');
    const project = await repo.findProject(db, clientId, req.params.projectId);
    if (!project) throw notFound();
    const counts = countsByProject(await repo.countFindings(db, clientId, [project.id])).get(project.id) ?? emptyCounts();
    const projectFindings = async (projectId: string) => {
      const [rows, days] = await Promise.all([repo.listProjectFindings(db, clientId, projectId), remediationDays(db)]);
      const now = deps.clock();
      return rows.map((f) => presentFindingSummary(f, dueOf(f, days, now), profile));
    };
    const body: PortalProjectDTO = {
      project: presentProject(project, { counts }, profile),
      findings: opens('findings') ? await projectFindings(project.id) : null,
      reports: opens('reports') ? (await repo.listReports(db, clientId, { projectId: project.id })).map((x) => presentReport(x, x.project_name, profile)) : null,
    };
    await auditView(deps, req, 'project', project.id);
    res.json(body);
  });

  r.get('/portal/findings/:findingId', async (req, res) => {
    const { clientId, profile } = await portalReader(deps, req, 'finding.read', 'findings');
    const row = await repo.findFinding(db, clientId, req.params.findingId);
    if (!row) throw notFound();
    const evidenceHidden = profile.audience === 'portal' && profile.hidden.has('evidence');
    const [history, evidence] = await Promise.all([
      repo.findingHistory(db, row.id),
      evidenceHidden ? Promise.resolve([]) : repo.sharedEvidence(db, clientId, row.id),
    ]);
    // internal_notes was never loaded; the presenter's portal profile could not send it anyway.
    const due = dueOf(row, await remediationDays(db), deps.clock());
    const finding = presentFinding({ ...row, internal_notes: '' }, { projectName: row.project_name, history, evidence, due }, profile);
    await auditView(deps, req, 'finding', row.id);
    res.json({ finding });
  });

  r.get('/portal/reports', async (req, res) => {
    const { clientId, profile } = await portalReader(deps, req, 'report.read', 'reports');
    const reports = (await repo.listReports(db, clientId)).map((x) => presentReport(x, x.project_name, profile));
    await auditView(deps, req, 'reports');
    res.json({ reports });
  });

  return r;
}
