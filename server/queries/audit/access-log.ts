import type { AuditAction } from '../../contracts/audit-actions.js';
import type { Response } from 'express';
import type { AppDeps, CommandContext } from '../../context.js';
import { AUDIT_PAGE_DEFAULT } from '../../contracts/audit-values.js';
import type { AccessLogFilters, AccessLogPageDTO } from '../../contracts/audit.js';
import type { PageQuery } from '../../contracts/api.js';
import { writeAudit } from '../../audit.js';
import { accessLogSql, authorizeAccessLog } from '../../policies/audit.js';
import { clientOf } from '../../auth/access.js';
import { notFound } from '../../errors.js';
import { auditPage, filterConditions } from '../../repositories/audit-read.js';
import { presentAccessLogRow } from '../../presenters/audit.js';
import { pageOf } from '../../services/cursor.js';
import { positionAfter, positionOf } from './position.js';
import { streamAudit } from './export.js';
import { setFilters } from './read.js';
import { exportHeaders } from './export-headers.js';

/** The Manager's own client (from the session, never from input): 403 for anyone else, and the conditions of its rows. */
async function managersClient(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, action: AuditAction) {
  const u = ctx.viewer.user;
  try {
    authorizeAccessLog(u);
  } catch (err) {
    await writeAudit(deps.db, ctx.audit, { action, outcome: 'denied', targetType: 'access_log' }, deps.clock());
    throw err;
  }
  const client = await clientOf(deps.db, u);
  if (!client) throw notFound();
  return client;
}

/** Only the Access log's own filters reach the SQL (the client is the session's). */
const where = (clientId: string, deps: Pick<AppDeps, 'db'>, f: AccessLogFilters) => [
  accessLogSql(clientId),
  ...filterConditions(deps.db, { actorId: f.actorId, action: f.action, from: f.from, to: f.to }),
];

/**
 * One page of a client's Access log, newest first: its own people's sign-ins (failures on their
 * accounts included), page views, downloads, comments, messages, files and user changes. Audited
 * as `access_log.viewed`.
 */
export async function accessLogPage(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, query: AccessLogFilters & PageQuery): Promise<AccessLogPageDTO> {
  const client = await managersClient(deps, ctx, 'access_log.viewed');
  const limit = query.limit ?? AUDIT_PAGE_DEFAULT;
  const before = positionAfter(query.after);
  const [rows, people] = await Promise.all([
    auditPage(deps.db, where(client.id, deps, query), before, limit + 1),
    deps.db.selectFrom('users').select(['id', 'name', 'email']).where('client_id', '=', client.id).where('kind', '=', 'portal').orderBy('name').execute(),
  ]);
  const page = pageOf(rows, limit, positionOf, presentAccessLogRow);
  const details = { filters: setFilters(query), page: before === null ? 'first' : 'more', rows: page.items.length };
  await writeAudit(deps.db, ctx.audit, { action: 'access_log.viewed', outcome: 'success', targetType: 'access_log', details }, deps.clock());
  return { rows: page.items, next: page.next, people };
}

/** The Access log's columns in an export (what the page shows). */
const ACCESS_COLUMNS = ['id', 'at', 'actor_email', 'action', 'target_type', 'target_id', 'outcome', 'ip', 'user_agent', 'source'] as const;
const accessShape = (row: Record<string, unknown>) =>
  Object.fromEntries(ACCESS_COLUMNS.map((c) => [c, c === 'at' && typeof row.at === 'number' ? new Date(row.at).toISOString() : row[c]]));

/** Stream the Access log as CSV (the same rows the page lists, every page of them), audited as `access_log.exported`. */
export async function exportAccessLog(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, query: AccessLogFilters, res: Response): Promise<void> {
  const client = await managersClient(deps, ctx, 'access_log.exported');
  await writeAudit(
    deps.db,
    ctx.audit,
    { action: 'access_log.exported', outcome: 'success', targetType: 'access_log', details: { filters: setFilters(query), format: 'csv' } },
    deps.clock(),
  );
  res.status(200).set(exportHeaders('csv', `access-log-${new Date(deps.clock()).toISOString().slice(0, 10)}`));
  await streamAudit(deps, res, where(client.id, deps, query), 'csv', accessShape);
  res.end();
}
