import { sql, type Expression, type SqlBool } from 'kysely';
import type { UserRow } from '../../db/schema.js';
import { forbidden } from '../errors.js';
import { reachesSql, type ClientScope } from './access.js';

/**
 * Who reads the audit trail, and which rows (the one home of these rules):
 * - The staff Audit page: admins always; analysts only while the firm lets them
 *   (`firm.analysts_read_audit` = 1, off by default), and then read-only and within their client
 *   scope (rows of clients they reach, and rows of no client). Portal users never.
 * - The audit settings: admins only.
 * - A client's Access log: that client's Managers only, and only their own organisation's people:
 *   rows of their client written by a portal user, or sign-in attempts nobody was signed in for
 *   that name one of their client's accounts as target (never staff actions, staff addresses or
 *   attempts on e-mails that are not theirs). The client is always the session's.
 */

type Principal = Pick<UserRow, 'kind' | 'role' | 'status' | 'client_id'> & { scope?: ClientScope };
/** The firm's switch, as stored (1 = analysts may read). */
type FirmAudit = { analysts_read_audit: number } | undefined;

/** Whether `v` may read the staff Audit page now. */
export function mayReadAudit(v: Principal, firm: FirmAudit): boolean {
  if (v.status !== 'active' || v.kind !== 'staff') return false;
  return v.role === 'admin' || (v.role === 'analyst' && firm?.analysts_read_audit === 1);
}

/** Like `mayReadAudit`, but throws 403 (the page exists for every staff member; a portal user is refused too). */
export function authorizeAuditRead(v: Principal, firm: FirmAudit): void {
  if (!mayReadAudit(v, firm)) throw forbidden('Only administrators (and analysts, when the firm allows it) may read the audit log.');
}

/** Whether `v` may change the audit settings (admins only: an analyst who reads does not change). */
export function mayManageAudit(v: Principal): boolean {
  return v.status === 'active' && v.kind === 'staff' && v.role === 'admin';
}

export function authorizeAuditManage(v: Principal): void {
  if (!mayManageAudit(v)) throw forbidden('Only administrators may change the audit settings.');
}

/** The rows of audit_events (alias `a`) a reader of the Audit page sees: an admin all, an analyst their scope's and the firm-wide ones. */
export function auditRowsSql(v: Principal): Expression<SqlBool> {
  if (v.role === 'admin' || v.scope === 'all') return sql<SqlBool>`1 = 1`;
  return sql<SqlBool>`(a.client_id is null or ${reachesSql(v, 'a.client_id')})`;
}

/** Whether `v` may read their organisation's Access log (a client Manager, active). */
function mayReadAccessLog(v: Principal): boolean {
  return v.status === 'active' && v.kind === 'portal' && v.role === 'manager' && v.client_id !== null;
}

export function authorizeAccessLog(v: Principal): void {
  if (!mayReadAccessLog(v)) throw forbidden('Only your organisation’s Managers may read the access log.');
}

/**
 * The Access log's rows of audit_events (alias `a`) for one client: its portal users' own rows,
 * and attempts without a session on one of its accounts (the account must still be that client's).
 */
export function accessLogSql(clientId: string): Expression<SqlBool> {
  return sql<SqlBool>`(a.client_id = ${clientId} and (a.actor_kind = 'portal' or (a.actor_kind = 'anonymous' and a.target_type = 'user'
    and a.target_id in (select u.id from users u where u.client_id = ${clientId} and u.kind = 'portal'))))`;
}
