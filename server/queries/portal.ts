import type { ClientRow } from '../../db/schema.js';
import type { AppDeps } from '../context.js';
import type { CommandContext } from '../context.js';
import type { FindingPortalDTO, Module, ProjectDTO, ReportDTO } from '../contracts/workspace.js';
import type { DashboardDTO, PortalProjectDTO } from '../contracts/portal.js';
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
import { countsByProject, emptyCounts, presentActivity, presentFindingSummary, presentOpenBySeverity, presentProgress } from '../presenters/dashboard.js';

/**
 * What a client's people read: dashboard, projects, findings and reports of their own
 * organisation. The caller passes a signed-in, verified portal user's context (staff never get
 * here). Opening a project, a finding or the reports list is recorded in the audit log.
 */

const ACTIVITY_LIMIT = 10;

interface PortalReader {
  clientId: string;
  client: ClientRow;
  profile: VisibilityProfile;
  /** Whether the viewer may open a module's part of a page (`policies/access.ts`). */
  opens: (module: Module) => boolean;
}

/**
 * The guard of every portal read: allowed the action on their own client's data, in a module their
 * client may use. The client is ALWAYS the viewer's own; nothing in the request can name another.
 * The client row is read per request, so a change to modules or visible fields applies to the
 * very next request.
 */
async function portalReader(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, action: Action, module?: Module): Promise<PortalReader> {
  const { user } = ctx.viewer;
  const clientId = user.client_id;
  if (!clientId) throw notFound();
  authorize(user, action, { type: 'clientData', clientId });
  const client = requireSees(user, 'client', await clientOf(deps.db, user));
  if (module) requireClientModule(user, client, module);
  return { clientId, client, profile: portalProfile(client), opens: (m) => seesModule(user, client, m) };
}

/** "Pages viewed" for the audit log: one cheap insert per project, finding or reports-list view. */
function auditView(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, targetType: 'project' | 'finding' | 'reports', targetId?: string): Promise<void> {
  return writeAudit(deps.db, ctx.audit, { action: 'portal.viewed', outcome: 'success', targetType, targetId }, deps.clock());
}

/** The dashboard. A module that is off removes its part; the dashboard itself always loads. */
export async function portalDashboard(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<DashboardDTO> {
  const { clientId, opens } = await portalReader(deps, ctx, 'dashboard.read');
  const db = deps.db;
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
  return body;
}

/** The client's projects with their finding counts. */
export async function portalProjects(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<ProjectDTO[]> {
  const { clientId, profile } = await portalReader(deps, ctx, 'project.read', 'projects');
  const projects = await repo.listProjects(deps.db, clientId);
  const counts = countsByProject(await repo.countFindings(deps.db, clientId));
  return projects.map((p) => presentProject(p, { counts: counts.get(p.id) ?? emptyCounts() }, profile));
}

/** One project with its findings and reports (each when its module is on); the view is audited. */
export async function portalProject(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, projectId: string): Promise<PortalProjectDTO> {
  const { clientId, profile, opens } = await portalReader(deps, ctx, 'project.read', 'projects');
  const db = deps.db;
  const project = await repo.findProject(db, clientId, projectId);
  if (!project) throw notFound();
  const counts = countsByProject(await repo.countFindings(db, clientId, [project.id])).get(project.id) ?? emptyCounts();
  const projectFindings = async (id: string) => {
    const [rows, days] = await Promise.all([repo.listProjectFindings(db, clientId, id), remediationDays(db)]);
    const now = deps.clock();
    return rows.map((f) => presentFindingSummary(f, dueOf(f, days, now), profile));
  };
  const body: PortalProjectDTO = {
    project: presentProject(project, { counts }, profile),
    findings: opens('findings') ? await projectFindings(project.id) : null,
    reports: opens('reports') ? (await repo.listReports(db, clientId, { projectId: project.id })).map((x) => presentReport(x, x.project_name, profile)) : null,
  };
  await auditView(deps, ctx, 'project', project.id);
  return body;
}

/** One published finding as the client may see it, with its history and shared evidence; the view is audited. */
export async function portalFinding(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, findingId: string): Promise<FindingPortalDTO> {
  const { clientId, profile } = await portalReader(deps, ctx, 'finding.read', 'findings');
  const db = deps.db;
  const row = await repo.findFinding(db, clientId, findingId);
  if (!row) throw notFound();
  const evidenceHidden = profile.audience === 'portal' && profile.hidden.has('evidence');
  const [history, evidence] = await Promise.all([
    repo.findingHistory(db, row.id),
    evidenceHidden ? Promise.resolve([]) : repo.sharedEvidence(db, clientId, row.id),
  ]);
  // internal_notes was never loaded; the presenter's portal profile could not send it anyway.
  const due = dueOf(row, await remediationDays(db), deps.clock());
  const finding = presentFinding({ ...row, internal_notes: '' }, { projectName: row.project_name, history, evidence, due }, profile);
  await auditView(deps, ctx, 'finding', row.id);
  return finding;
}

/** The client's reports; the view is audited. */
export async function portalReports(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext): Promise<ReportDTO[]> {
  const { clientId, profile } = await portalReader(deps, ctx, 'report.read', 'reports');
  const reports = (await repo.listReports(deps.db, clientId)).map((x) => presentReport(x, x.project_name, profile));
  await auditView(deps, ctx, 'reports');
  return reports;
}
