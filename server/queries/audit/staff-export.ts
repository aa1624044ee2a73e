import type { Response } from 'express';
import type { AppDeps, CommandContext } from '../../context.js';
import type { AuditFilters } from '../../contracts/audit.js';
import { writeAudit } from '../../audit.js';
import { auditRowsSql } from '../../policies/audit.js';
import { filterConditions } from '../../repositories/audit-read.js';
import { streamAudit, type ExportFormat } from './export.js';
import { exportHeaders } from './export-headers.js';
import { auditReader, setFilters } from './read.js';

/**
 * Stream the audit rows the reader may see that match the filters, as CSV or JSON Lines, every
 * column as stored. Audited as `audit.exported` (with the filters and the format) before the
 * first byte, so an export cut short is on record too.
 */
export async function exportAuditLog(
  deps: Pick<AppDeps, 'db' | 'clock'>,
  ctx: CommandContext,
  query: AuditFilters & { format: ExportFormat },
  res: Response,
): Promise<void> {
  await auditReader(deps, ctx, 'audit.exported');
  const { format, ...filters } = query;
  const details = { filters: setFilters(filters), format };
  await writeAudit(deps.db, ctx.audit, { action: 'audit.exported', outcome: 'success', targetType: 'audit_log', details }, deps.clock());
  res.status(200).set(exportHeaders(format, `audit-${new Date(deps.clock()).toISOString().slice(0, 10)}`));
  await streamAudit(deps, res, [auditRowsSql(ctx.viewer.user), ...filterConditions(deps.db, filters)], format);
  res.end();
}
