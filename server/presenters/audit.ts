import type { AccessLogRowDTO, AuditRowDTO } from '../contracts/audit.js';
import type { AuditRowWithNames } from '../repositories/audit-read.js';
import { iso } from './iso.js';

/** Stored details are JSON written by the server; anything else (a damaged value) shows as none. */
function detailsOf(json: string | null): Record<string, unknown> | null {
  if (!json) return null;
  try {
    const v: unknown = JSON.parse(json);
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** One row of a client Manager's Access log: no request id, no details (a staff matter). */
export function presentAccessLogRow(r: AuditRowWithNames): AccessLogRowDTO {
  return {
    id: Number(r.id),
    at: iso(r.at),
    actorId: r.actor_id,
    actorEmail: r.actor_email,
    actorName: r.actor_name ?? null,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    outcome: r.outcome,
    ip: r.ip,
    userAgent: r.user_agent,
    source: r.source === 'browser' ? 'browser' : 'server',
  };
}

/** One audit row as staff read it on the Audit page and in the live tail: the Access log's fields and the staff ones. */
export function presentAuditRow(r: AuditRowWithNames): AuditRowDTO {
  return {
    ...presentAccessLogRow(r),
    actorKind: r.actor_kind,
    clientId: r.client_id,
    clientName: r.client_name ?? null,
    requestId: r.request_id,
    details: detailsOf(r.details),
  };
}
