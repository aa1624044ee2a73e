import { serve } from './endpoint.js';
import { Router } from 'express';
import type { AppDeps } from '../context.js';
import { auditContextOf } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { listProjectReports } from '../queries/reports/list.js';
import { addReport, checkReportUpload, notAPdf } from '../commands/reports/upload.js';
import { updateReport } from '../commands/reports/update.js';
import { alertStaffReportDamaged, auditReportDownload, openReportForDownload } from '../commands/reports/download.js';
import { findReport } from '../repositories/reports.js';
import { sendFileHandle } from '../services/storage.js';
import { receiveUpload } from '../services/uploads.js';

/**
 * Report PDFs on projects: upload (raw body, streamed to disk with its SHA-256), versions,
 * publishing, and the one download route (checksum verified before and while streaming,
 * every attempt audited).
 */
export function reportsRouter(deps: AppDeps): Router {
  const r = Router();
  const mb = Math.round(deps.config.reportMaxBytes / (1024 * 1024));

  serve(r, 'GET /projects/:id/reports', async ({ req }) => listProjectReports(deps, commandContextOf(req), req.params.id));

  serve(r, 'POST /projects/:id/reports', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    // Access is decided before a byte of the body is read.
    await checkReportUpload(deps, ctx, req.params.id);
    const query = input();
    const upload = await receiveUpload(req, {
      root: deps.config.uploadsDir,
      folder: 'reports',
      maxBytes: deps.config.reportMaxBytes,
      tooLarge: `The report is larger than the ${mb} MB limit.`,
      notAFile: notAPdf(),
    });
    return { report: await addReport(deps, ctx, req.params.id, upload, query) };
  });

  serve(r, 'PATCH /reports/:id', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { report: await updateReport(deps, ctx, req.params.id, input()) };
  });

  r.get('/reports/:id/download', async (req, res) => {
    const audit = auditContextOf(req);
    let file;
    try {
      file = await openReportForDownload(deps, commandContextOf(req), req.params.id);
    } catch (error) {
      await auditReportDownload(deps, audit, req.params.id, { error });
      throw error;
    }
    res.status(200).set(file.headers);
    const sent = await sendFileHandle(res, file.handle, file.report.sha256);
    if (sent.mismatch) {
      // The file changed between the check and the send: the connection was cut before the last bytes.
      const report = await findReport(deps.db, file.report.id);
      if (report) await alertStaffReportDamaged(deps, audit, report, { sha256: null, size: null, stage: 'while_sending' });
    }
    await auditReportDownload(deps, audit, req.params.id, { ...sent, clientId: file.report.client_id });
  });

  return r;
}
