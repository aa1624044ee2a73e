import type { AccessLogFilters, AuditFilters, AuditSettingsDTO } from '$contracts/audit';
import { call } from './http';

type F = typeof fetch;

/** The audit trail: the staff Audit page, its settings, and a client Manager's Access log. */

/** One page of audit rows, newest first (`next` continues). */
export const listAudit = (filters: AuditFilters, after: string | null = null, fetch?: F) => call('GET /audit', { query: { ...filters, after }, fetch });
export const getAuditMeta = (fetch?: F) => call('GET /audit/meta', { fetch });
export const getAuditSettings = (fetch?: F) => call('GET /audit/settings', { fetch });
export const updateAuditSettings = (body: AuditSettingsDTO) => call('PUT /audit/settings', { body });

/** One page of the organisation's Access log, newest first. */
export const listAccessLog = (filters: AccessLogFilters, after: string | null = null, fetch?: F) =>
  call('GET /portal/access-log', { query: { ...filters, after }, fetch });

/** The download URL of an export with these filters (the browser downloads it: a file, not JSON). */
export function exportUrl(base: '/api/audit/export' | '/api/portal/access-log/export', filters: object, format: 'csv' | 'jsonl'): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  q.set('format', format);
  return `${base}?${q}`;
}
