import type { ClientRow } from '../../db/schema.js';
import type { AppDeps } from '../context.js';
import type { CommandContext } from '../context.js';
import type { FindingPortalDTO, Module, ProjectDTO, ReportDTO } from '../contracts/workspace.js';
import { z } from 'zod';
import { FINDING_SORT_FIRST_DIR, PORTAL_FINDING_PAGE_DEFAULT } from '../contracts/portal.js';
import type { PageQuery } from '../contracts/api.js';
import type { ActivityDTO, DashboardDTO, FindingSort, PortalFindingPageDTO, PortalFindingPageQuery, PortalProjectDTO } from '../contracts/portal.js';
import { decodeCursor, pageOf } from '../services/cursor.js';
import type { FindingPageKey } from '../repositories/portal.js';
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
import { activityKey, activityPage, type ActivityKey } from '../repositories/activity.js';
import { ACTIVITY_PAGE_DEFAULT } from '../contracts/home.js';
import {
  countsByProject,
  emptyCounts,
  presentActivity,
  presentFindingSummary,
  presentOpenBySeverity,
  presentProgress,
  presentActivityRow,
} from '../presenters/dashboard.js';

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

const ActivityCursor: z.ZodType<ActivityKey> = z.tuple([z.number().int(), z.number().int().min(0).max(2), z.union([z.string().max(64), z.number().int()])]);

/**
 * The Activity page: one page of the client's feed, newest first (needs the activity module;
 * finding events need 'findings', report events 'reports', filtered in SQL by `seesSql`). The
 * sentences name titles and statuses only, never a field the client's visible fields may hide.
 */
export async function portalActivity(
  deps: Pick<AppDeps, 'db'>,
  ctx: CommandContext,
  query: PageQuery,
): Promise<{ activity: ActivityDTO[]; next: string | null }> {
  const { opens } = await portalReader(deps, ctx, 'activity.read', 'activity');
  const limit = query.limit ?? ACTIVITY_PAGE_DEFAULT;
  const before = query.after === undefined ? null : decodeCursor(query.after, ActivityCursor);
  const rows = await activityPage(deps.db, ctx.viewer.user, { findings: opens('findings'), reports: opens('reports'), before, limit: limit + 1 });
  const page = pageOf(rows, limit, activityKey, (r) => presentActivityRow(r, 'portal'));
  return { activity: page.items, next: page.next };
}

/** The client's projects with their finding counts. */
export async function portalProjects(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<ProjectDTO[]> {
  const { clientId, profile } = await portalReader(deps, ctx, 'project.read', 'projects');
  const projects = await repo.listProjects(deps.db, clientId);
  const counts = countsByProject(await repo.countFindings(deps.db, clientId));
  return projects.map((p) => presentProject(p, { counts: counts.get(p.id) ?? emptyCounts() }, profile));
}

/** One project with its reports (when that module is on); the view is audited. Its findings come in pages (`portalProjectFindings`). */
export async function portalProject(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, projectId: string): Promise<PortalProjectDTO> {
  const { clientId, profile, opens } = await portalReader(deps, ctx, 'project.read', 'projects');
  const db = deps.db;
  const project = await repo.findProject(db, clientId, projectId);
  if (!project) throw notFound();
  const counts = countsByProject(await repo.countFindings(db, clientId, [project.id])).get(project.id) ?? emptyCounts();
  const body: PortalProjectDTO = {
    project: presentProject(project, { counts }, profile),
    reports: opens('reports') ? (await repo.listReports(db, clientId, { projectId: project.id })).map((x) => presentReport(x, x.project_name, profile)) : null,
  };
  await auditView(deps, ctx, 'project', project.id);
  return body;
}

const FindingPageKeys: Record<FindingSort, z.ZodType<FindingPageKey>> = {
  severity: z.tuple([z.number().int(), z.string().max(1200), z.string().max(64)]),
  title: z.tuple([z.string().max(1200), z.number().int(), z.string().max(64)]),
  status: z.tuple([z.number().int(), z.number().int(), z.string().max(1200), z.string().max(64)]),
};

/**
 * One page of a project's published findings, sorted and filtered by the server (summary rows),
 * with how many match the filters. Needs the projects and findings modules; not audited apart
 * from the project view it belongs to.
 */
export async function portalProjectFindings(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  ctx: CommandContext,
  projectId: string,
  query: PortalFindingPageQuery,
): Promise<PortalFindingPageDTO> {
  const { clientId, client, profile } = await portalReader(deps, ctx, 'finding.read', 'projects');
  requireClientModule(ctx.viewer.user, client, 'findings');
  const db = deps.db;
  const project = await repo.findProject(db, clientId, projectId);
  if (!project) throw notFound();
  const sort = query.sort ?? 'severity';
  const dir = query.dir ?? FINDING_SORT_FIRST_DIR[sort];
  const limit = query.limit ?? PORTAL_FINDING_PAGE_DEFAULT;
  const after = query.after === undefined ? null : decodeCursor(query.after, FindingPageKeys[sort]);
  const filter = { severity: query.severity, status: query.status };
  const [rows, matching, days] = await Promise.all([
    repo.pageProjectFindings(db, clientId, project.id, { ...filter, sort, dir, after, limit: limit + 1 }),
    repo.countProjectFindings(db, clientId, project.id, filter),
    remediationDays(db),
  ]);
  const now = deps.clock();
  const page = pageOf(
    rows,
    limit,
    (r) => repo.findingPageKey(sort, r),
    (f) => presentFindingSummary(f, dueOf(f, days, now), profile),
  );
  return { findings: page.items, next: page.next, matching };
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

/**
 * Whether a portal page's object exists for the viewer (their own client's published finding or
 * project, in a module they may open): the same guard and SQL filter as the page's own read, without
 * reading or auditing the rest. Throws 404 / 403 as that read would.
 */
export async function portalObject(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, kind: 'finding' | 'project', id: string): Promise<{ clientId: string }> {
  const { clientId } = await portalReader(deps, ctx, kind === 'finding' ? 'finding.read' : 'project.read', kind === 'finding' ? 'findings' : 'projects');
  const row = kind === 'finding' ? await repo.findFinding(deps.db, clientId, id) : await repo.findProject(deps.db, clientId, id);
  if (!row) throw notFound();
  return { clientId };
}
