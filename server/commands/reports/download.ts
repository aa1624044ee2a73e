import type { FileHandle } from 'node:fs/promises';
import type { AppDeps } from '../../context.js';
import type { AuditContext } from '../../audit.js';
import type { ReportRow } from '../../../db/schema.js';
import { writeAudit } from '../../audit.js';
import { AppError, auditedRefusal } from '../../errors.js';
import { REPORT_DAMAGED_MESSAGE } from '../../contracts/reports.js';
import { markReportDamaged } from '../../repositories/reports.js';
import { hashFileHandle, openStoredFile } from '../../services/storage.js';
import { contentDisposition, fileHeaders, withExtension } from '../../services/uploads.js';
import type { CommandContext } from '../../context.js';
import { reportFor } from '../../queries/reports/access.js';

/** The answer to a download whose stored bytes no longer match the checksum taken at upload. */
const reportDamaged = () => new AppError(409, 'conflict', REPORT_DAMAGED_MESSAGE);

/** A report opened and verified, ready to stream (the stream checks the hash again as it goes). */
export interface ReportFile {
  handle: FileHandle;
  headers: Record<string, string>;
  report: Pick<ReportRow, 'id' | 'client_id' | 'sha256' | 'size'>;
}

/**
 * Tell the firm a report file is damaged: an audit row (`report.damaged`, failure) and an error
 * log line now; in-app notifications to staff will hang off this one function when they exist.
 */
export async function alertStaffReportDamaged(
  deps: Pick<AppDeps, 'db' | 'clock' | 'logger'>,
  audit: AuditContext,
  report: Pick<ReportRow, 'id' | 'client_id' | 'project_id' | 'title' | 'version' | 'sha256'>,
  found: { sha256: string | null; size: number | null; stage: 'before_send' | 'while_sending' },
): Promise<void> {
  const at = deps.clock();
  await markReportDamaged(deps.db, report.id, at);
  await writeAudit(deps.db, { ...audit, clientId: report.client_id }, {
    action: 'report.damaged', outcome: 'failure', targetType: 'report', targetId: report.id,
    details: { projectId: report.project_id, title: report.title, version: report.version, expectedSha256: report.sha256, foundSha256: found.sha256, foundBytes: found.size, stage: found.stage },
  }, at);
  deps.logger.error({ reportId: report.id, clientId: report.client_id, expectedSha256: report.sha256, foundSha256: found.sha256, stage: found.stage }, 'report file damaged: checksum mismatch');
}

/**
 * Open a report for download after the access check, and verify its checksum in one streaming
 * pass before anything is sent: a missing or altered file is flagged, staff are alerted, and the
 * download is refused with a clear message.
 */
export async function openReportForDownload(deps: Pick<AppDeps, 'db' | 'config' | 'clock' | 'logger'>, ctx: CommandContext, id: string): Promise<ReportFile> {
  const { report } = await reportFor(deps, ctx, id, 'report.read');
  const handle = await openStoredFile(deps.config.uploadsDir, report.file);
  const found = handle ? await hashFileHandle(handle) : null;
  if (!handle || !found || found.sha256 !== report.sha256) {
    await handle?.close();
    await alertStaffReportDamaged(deps, ctx.audit, report, { sha256: found?.sha256 ?? null, size: found?.size ?? null, stage: 'before_send' });
    throw reportDamaged();
  }
  const name = withExtension(report.original_name, 'pdf');
  return {
    handle,
    headers: fileHeaders('application/pdf', contentDisposition('attachment', name), found.size, 'private, no-store'),
    report,
  };
}

/** Record one report download or refused attempt: who, which report, bytes sent, from where. */
export async function auditReportDownload(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  audit: AuditContext,
  id: string,
  outcome: { bytes: number; complete: boolean; mismatch: boolean; clientId: string } | { error: unknown },
): Promise<void> {
  const base = { action: 'report.downloaded', targetType: 'report', targetId: id } as const;
  if ('error' in outcome) {
    auditedRefusal(outcome.error); // this row is its record: no second `authz.denied` row
    const err = outcome.error instanceof AppError ? outcome.error : null;
    const damaged = err?.message === REPORT_DAMAGED_MESSAGE;
    await writeAudit(deps.db, audit, { ...base, outcome: err && !damaged ? 'denied' : 'failure', details: { bytes: 0, reason: damaged ? 'damaged' : (err?.code ?? 'internal_error') } }, deps.clock());
    return;
  }
  const reason = outcome.mismatch ? 'damaged' : outcome.complete ? undefined : 'interrupted';
  await writeAudit(deps.db, { ...audit, clientId: outcome.clientId }, {
    ...base, outcome: outcome.complete ? 'success' : 'failure', details: { bytes: outcome.bytes, ...(reason && { reason }) },
  }, deps.clock());
}
