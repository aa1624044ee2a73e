import { auditPublicKeyPem } from '../../audit/signing-key.js';
import type { AppDeps, CommandContext } from '../../context.js';
import { AUDIT_PAGE_DEFAULT } from '../../contracts/audit-values.js';
import type { AuditFilters, AuditMetaDTO, AuditPageDTO, AuditSettingsDTO } from '../../contracts/audit.js';
import type { PageQuery } from '../../contracts/api.js';
import { writeAudit } from '../../audit.js';
import { auditRowsSql, authorizeAuditManage, authorizeAuditRead, mayManageAudit } from '../../policies/audit.js';
import { reachesSql } from '../../policies/access.js';
import { auditPage, filterConditions, pageOrderOf } from '../../repositories/audit-read.js';
import { findFirm } from '../../repositories/firm.js';
import { presentAuditRow } from '../../presenters/audit.js';
import { pageOf } from '../../services/cursor.js';
import { positionAfter, positionOf } from './position.js';

/** Only the filters that were set, for the audit row's details. */
export const setFilters = (f: object) => Object.fromEntries(Object.entries(f).filter(([k, v]) => v !== undefined && k !== 'after' && k !== 'limit'));

/**
 * The Audit page's reader: may read (403 otherwise, itself audited as denied), and the firm row
 * the decision was made with.
 */
export async function auditReader(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, action: 'audit.viewed' | 'audit.exported') {
  const firm = await findFirm(deps.db);
  try {
    authorizeAuditRead(ctx.viewer.user, firm);
  } catch (err) {
    await writeAudit(deps.db, ctx.audit, { action, outcome: 'denied', targetType: 'audit_log' }, deps.clock());
    throw err;
  }
  return firm;
}

/**
 * One page of the audit trail, newest first, for the Audit page: the viewer's filters within what
 * they may read (an analyst: their clients' rows and the firm-wide ones). Each read is audited
 * (`audit.viewed`, with the filters) — after the read, so the page never lists its own row.
 */
export async function auditList(deps: Pick<AppDeps, 'db' | 'clock'>, ctx: CommandContext, query: AuditFilters & PageQuery): Promise<AuditPageDTO> {
  await auditReader(deps, ctx, 'audit.viewed');
  const limit = query.limit ?? AUDIT_PAGE_DEFAULT;
  const before = positionAfter(query.after);
  const where = [auditRowsSql(ctx.viewer.user), ...filterConditions(deps.db, query)];
  const rows = await auditPage(deps.db, where, before, limit + 1, pageOrderOf(query));
  const page = pageOf(rows, limit, positionOf, presentAuditRow);
  const details = { filters: setFilters(query), page: before === null ? 'first' : 'more', rows: page.items.length };
  await writeAudit(deps.db, ctx.audit, { action: 'audit.viewed', outcome: 'success', targetType: 'audit_log', details }, deps.clock());
  return { rows: page.items, next: page.next };
}

/** What the Audit page's filters offer (clients and people the reader may see) and whether they may change the settings. */
export async function auditMeta(deps: Pick<AppDeps, 'db' | 'clock' | 'config'>, ctx: CommandContext): Promise<AuditMetaDTO> {
  await auditReader(deps, ctx, 'audit.viewed');
  const v = ctx.viewer.user;
  const [clients, people] = await Promise.all([
    deps.db.selectFrom('clients as c').select(['c.id', 'c.name']).where(reachesSql(v, 'c.id')).orderBy('c.name').execute(),
    deps.db
      .selectFrom('users as u')
      .select(['u.id', 'u.name', 'u.email', 'u.kind', 'u.client_id'])
      .where((e) => e.or([e('u.kind', '=', 'staff'), reachesSql(v, 'u.client_id')]))
      .orderBy('u.name')
      .limit(5000)
      .execute(),
  ]);
  return {
    clients,
    people: people.map((p) => ({ id: p.id, name: p.name, email: p.email, kind: p.kind, clientId: p.client_id })),
    canManage: mayManageAudit(v),
    // The key that signs the checkpoints (issue 15, point 15): what `audit:verify --public-key` checks against.
    publicKey: auditPublicKeyPem(deps.config),
  };
}

/** The two audit settings as stored (admins). */
export async function auditSettings(deps: Pick<AppDeps, 'db'>, ctx: CommandContext): Promise<AuditSettingsDTO> {
  authorizeAuditManage(ctx.viewer.user);
  const firm = await findFirm(deps.db);
  return { analystsRead: firm?.analysts_read_audit === 1, retentionDays: firm ? firm.audit_retention_days : 400 };
}
