import { adminOnly, make, type MatrixEntry } from './shapes.js';

/**
 * The authorization matrix for reading the audit trail (joined with the core table by the runner).
 * The staff Audit page, its export and its settings: admins only (the matrix firm keeps analysts
 * out, its default; analysts allowed by the firm are tested in tests/integration/audit-read.test.ts).
 * A client's Access log and its export: that client's Managers only (each client's Manager reads
 * their own; the client comes from the session, so no request names another's), every other
 * portal role and staff 403.
 */
const managersOnly = () => make(403, { anonymous: 401, managerA: 'ok', userB: 'ok' });

export const AUDIT_MATRIX: MatrixEntry[] = [
  { method: 'GET', path: '/api/audit', query: () => ({ limit: '5' }), expect: adminOnly },
  { method: 'GET', path: '/api/audit/meta', expect: adminOnly },
  { method: 'GET', path: '/api/audit/export', query: () => ({ format: 'csv' }), expect: adminOnly },
  { method: 'GET', path: '/api/audit/settings', expect: adminOnly },
  { method: 'PUT', path: '/api/audit/settings', body: () => ({ analystsRead: false, retentionDays: 400 }), expect: adminOnly },
  { method: 'GET', path: '/api/portal/access-log', query: () => ({ limit: '5' }), expect: managersOnly },
  { method: 'GET', path: '/api/portal/access-log/export', query: () => ({ format: 'csv' }), expect: managersOnly },
];
