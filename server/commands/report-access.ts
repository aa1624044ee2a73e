import type { AppDeps } from '../context.js';
import type { ClientRow, ReportRow, UserRow } from '../../db/schema.js';
import { notFound } from '../errors.js';
import { requireModule } from '../modules.js';
import { authorize } from '../policies/index.js';
import { portalProfile, STAFF_PROFILE, type VisibilityProfile } from '../visibility/profile.js';
import { findProjectRef, findReport, type ProjectRef } from '../repositories/reports.js';
import type { CommandContext } from './context.js';

/**
 * Who may reach which report. Staff: any (policy decides the action). A portal user: published
 * reports of their own client (the client from the session), while the Reports module is on
 * (else 403 module_disabled, decided before any lookup). Anything else is 404, like a made-up id.
 */

type ReportAction = 'report.read' | 'report.manage';

/** A portal viewer's own client, after the Reports module check. */
async function portalClient(deps: Pick<AppDeps, 'db'>, user: Pick<UserRow, 'kind' | 'client_id'>): Promise<Pick<ClientRow, 'id' | 'modules' | 'visible_fields'> | null> {
  if (user.kind !== 'portal') return null;
  const client = user.client_id
    ? await deps.db.selectFrom('clients').select(['id', 'modules', 'visible_fields']).where('id', '=', user.client_id).executeTakeFirst()
    : undefined;
  if (!client) throw notFound();
  requireModule('portal', client, 'reports');
  return client;
}

/** A project the viewer may know, authorised for `action` (404 / 403). */
export async function projectForReports(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, projectId: string, action: ReportAction): Promise<{ project: ProjectRef; profile: VisibilityProfile }> {
  const client = await portalClient(deps, ctx.viewer.user);
  const project = await findProjectRef(deps.db, projectId);
  if (!project || (client && project.client_id !== client.id)) throw notFound();
  authorize(ctx.viewer.user, action, { type: 'clientData', clientId: project.client_id });
  return { project, profile: client ? portalProfile(client) : STAFF_PROFILE };
}

/** A report the viewer may use for `action` (a client's user: only a published one of their own). */
export async function reportFor(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, id: string, action: ReportAction): Promise<{ report: ReportRow & { project_name: string }; profile: VisibilityProfile }> {
  const client = await portalClient(deps, ctx.viewer.user);
  const report = await findReport(deps.db, id);
  if (!report || (client && (report.client_id !== client.id || report.published !== 1))) throw notFound();
  authorize(ctx.viewer.user, action, { type: 'clientData', clientId: report.client_id });
  return { report, profile: client ? portalProfile(client) : STAFF_PROFILE };
}
