import type { AppDeps } from '../../context.js';
import type { ClientRow, ReportRow, UserRow } from '../../../db/schema.js';
import { notFound } from '../../errors.js';
import { requireClientModule, requireSeesAt, type ClientRecord } from '../../policies/access.js';
import { authorize } from '../../policies/index.js';
import { portalProfile, STAFF_PROFILE, type VisibilityProfile } from '../../visibility/profile.js';
import { findProjectRef, findReport, type ProjectRef } from '../../repositories/reports.js';
import type { CommandContext } from '../../context.js';

/**
 * Who may reach which report. Staff: any (policy decides the action). A portal user: what
 * `policies/access.ts` lets them see — the Reports module of their own client (from the session)
 * decided before any lookup (403 module_disabled), then published reports of that client only.
 * Anything else is 404, like a made-up id.
 */

type ReportAction = 'report.read' | 'report.manage';

/** A portal viewer's own client, after the Reports module check. */
async function portalClient(deps: Pick<AppDeps, 'db'>, user: Pick<UserRow, 'kind' | 'client_id'>): Promise<(ClientRecord & Pick<ClientRow, 'visible_fields'>) | null> {
  if (user.kind !== 'portal') return null;
  const client = user.client_id
    ? await deps.db.selectFrom('clients').select(['id', 'modules', 'visible_fields', 'portal_enabled', 'archived_at']).where('id', '=', user.client_id).executeTakeFirst()
    : undefined;
  requireClientModule(user, client, 'reports');
  return client!;
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
  if (!report) throw notFound();
  if (client) requireSeesAt(ctx.viewer.user, 'report', client, report);
  authorize(ctx.viewer.user, action, { type: 'clientData', clientId: report.client_id });
  return { report, profile: client ? portalProfile(client) : STAFF_PROFILE };
}
