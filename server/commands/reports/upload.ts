import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../context.js';
import type { ReportRow } from '../../../db/schema.js';
import type { ReportDTO } from '../../contracts/workspace.js';
import { writeAudit } from '../../audit.js';
import { AppError, notFound } from '../../errors.js';
import { presentReport } from '../../presenters/workspace.js';
import { STAFF_PROFILE } from '../../visibility/profile.js';
import { findProjectRef, insertReport, nextReportVersion } from '../../repositories/reports.js';
import { adoptTempFile, deleteStoredFile } from '../../services/storage.js';
import { discardUpload, sanitiseFileName, sniffFile, withExtension, type ReceivedUpload } from '../../services/uploads.js';
import { auditFor, type CommandContext } from '../../context.js';
import { projectForReports } from '../../queries/reports/access.js';

export const notAPdf = () => new AppError(415, 'unsupported_media_type', 'Reports must be PDF files.');

/** Check that the viewer may upload reports to the project (404 / 403), before the body is read. */
export async function checkReportUpload(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, projectId: string): Promise<void> {
  await projectForReports(deps, ctx, projectId, 'report.manage');
}

/**
 * Add a received PDF to a project as the next version of `title` (1 for a new title). The bytes
 * must be a PDF (judged from the bytes, never the name); the SHA-256 computed while the body was
 * written is recorded and checked on every download. The file is moved into place before the
 * transaction; the version number is taken inside it, so two uploads cannot share a version.
 */
export async function addReport(deps: AppDeps, ctx: CommandContext, projectId: string, upload: ReceivedUpload, meta: { title: string; name?: string }): Promise<ReportDTO> {
  const root = deps.config.uploadsDir;
  let stored: string | null = null;
  try {
    const { project } = await projectForReports(deps, ctx, projectId, 'report.manage');
    const sniffed = await sniffFile(upload.temp, ['pdf']);
    if (!sniffed) throw notAPdf();
    const label = withExtension(sanitiseFileName(meta.name, `${sanitiseFileName(meta.title, 'report')}.pdf`), 'pdf');
    stored = await adoptTempFile(root, 'reports', 'pdf', upload.temp);

    const now = deps.clock();
    const file = stored;
    const row = await deps.db.transaction().execute(async (trx) => {
      if (!(await findProjectRef(trx, project.id))) throw notFound();
      const report: ReportRow = {
        id: randomUUID(), project_id: project.id, client_id: project.client_id, title: meta.title, version: await nextReportVersion(trx, project.id, meta.title),
        file, original_name: label, size: upload.size, sha256: upload.sha256, published: 0, published_at: null, damaged_at: null,
        created_by: ctx.viewer.user.id, created_at: now,
      };
      await insertReport(trx, report);
      await writeAudit(trx, auditFor(ctx, project.client_id), {
        action: 'report.uploaded', outcome: 'success', targetType: 'report', targetId: report.id,
        details: { projectId: project.id, title: report.title, version: report.version, bytes: report.size, sha256: report.sha256 },
      }, now);
      return report;
    });
    return presentReport(row, project.name, STAFF_PROFILE);
  } catch (err) {
    await discardUpload(upload);
    await deleteStoredFile(root, stored);
    throw err;
  }
}
