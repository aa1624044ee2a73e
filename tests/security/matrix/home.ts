import { portalOnly, staffOnly, type MatrixEntry } from './shapes.js';

/**
 * The authorization matrix for staff Home's lists and the portal's Activity page (joined with the
 * core table by the runner). Home: staff only (a client's people 403, as on the verification
 * queue). Activity: a client's own people only (the client is always the session's; staff 403).
 */
export const HOME_MATRIX: MatrixEntry[] = [
  { method: 'GET', path: '/api/staff/home', expect: staffOnly },
  { method: 'GET', path: '/api/portal/activity', expect: portalOnly },
];
