import type { AppDeps } from '../../context.js';
import type { ReportDTO } from '../../contracts/workspace.js';
import type { ReportPatch } from '../../contracts/reports.js';
import { writeAudit } from '../../audit.js';
import { notFound } from '../../errors.js';
import { presentReport } from '../../presenters/workspace.js';
import { STAFF_PROFILE } from '../../visibility/profile.js';
import { findReport, setReportPublished } from '../../repositories/reports.js';
import { auditFor, type CommandContext } from '../../context.js';
import { reportFor } from '../../queries/reports/access.js';
import { appendEvent } from '../../events/log.js';
import { notifyReportPublished } from '../notifications/recipients.js';
import { isPublished } from '../../policies/access.js';

/** Publish a report version to the client, or take it back (staff). */
export async function updateReport(deps: AppDeps, ctx: CommandContext, id: string, patch: ReportPatch): Promise<ReportDTO> {
  const { report } = await reportFor(deps, ctx, id, 'report.manage');
  if (isPublished(report) === patch.published) return presentReport(report, report.project_name, STAFF_PROFILE);
  const now = deps.clock();
  const updated = await deps.db.transaction().execute(async (trx) => {
    // Conditional on the opposite state: a second publish that waited for the first changes
    // nothing and tells nobody again (no second event, notification or mail).
    const changed = await setReportPublished(trx, id, patch.published, now);
    const row = await findReport(trx, id);
    if (!row) throw notFound();
    if (!changed) return { row, ids: [] as number[], changed };
    await appendEvent(trx, { clientId: report.client_id, type: patch.published ? 'report:published' : 'report:unpublished', audience: 'all', entityId: id }, now);
    await writeAudit(trx, auditFor(ctx, report.client_id), {
      action: 'report.updated', outcome: 'success', targetType: 'report', targetId: id, details: { published: patch.published },
    }, now);
    // The client's people (Reports module on) are told, with the publication or not at all.
    const ids = patch.published ? await notifyReportPublished(trx, row, ctx.viewer.user.id, now) : [];
    return { row, ids, changed };
  });
  if (updated.changed) deps.bus.publish('events.appended', {});
  if (updated.ids.length) deps.bus.publish('notifications.created', { ids: updated.ids });
  return presentReport(updated.row, updated.row.project_name, STAFF_PROFILE);
}
