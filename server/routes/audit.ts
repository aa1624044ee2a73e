import { Router } from 'express';
import { serve } from './endpoint.js';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { AccessLogExportQuery, AuditExportQuery } from '../contracts/audit.js';
import { parseInput } from '../validate.js';
import { auditList, auditMeta, auditSettings } from '../queries/audit/read.js';
import { exportAuditLog } from '../queries/audit/staff-export.js';
import { accessLogPage, exportAccessLog } from '../queries/audit/access-log.js';
import { updateAuditSettings } from '../commands/audit/update-settings.js';

/**
 * Reading the audit trail: the staff Audit page (rows, filter options, settings) and its export,
 * and a client Manager's Access log and its export. The exports stream a file, so they are the
 * two routes here outside the endpoint map (tests/integration/endpoints.test.ts lists them).
 */
export function auditRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /audit', async ({ req, input }) => auditList(deps, commandContextOf(req), input()));
  serve(r, 'GET /audit/meta', async ({ req }) => auditMeta(deps, commandContextOf(req)));
  serve(r, 'GET /audit/settings', async ({ req }) => auditSettings(deps, commandContextOf(req)));
  serve(r, 'PUT /audit/settings', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return updateAuditSettings(deps, ctx, input());
  });
  r.get('/audit/export', async (req, res) => {
    const ctx = commandContextOf(req);
    await exportAuditLog(deps, ctx, parseInput(AuditExportQuery, req.query), res);
  });

  serve(r, 'GET /portal/access-log', async ({ req, input }) => accessLogPage(deps, commandContextOf(req), input()));
  r.get('/portal/access-log/export', async (req, res) => {
    const ctx = commandContextOf(req);
    await exportAccessLog(deps, ctx, parseInput(AccessLogExportQuery, req.query), res);
  });

  return r;
}
