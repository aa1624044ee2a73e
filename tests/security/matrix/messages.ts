import { adminOnly, signedIn, staffOnly, type MatrixEntry } from './shapes.js';

/**
 * The authorization matrix for the firm's custom messages (issue 15, points 8 and 9; joined with
 * the core table by the runner). Firm-wide, no client named: staff read the settings, admins
 * change and preview them, and every signed-in person reads the rendered messages the portal shows.
 */
export const MESSAGES_MATRIX: MatrixEntry[] = [
  { method: 'GET', path: '/api/firm/messages', expect: staffOnly },
  { method: 'PUT', path: '/api/firm/messages', expect: adminOnly, body: () => ({ welcome: 'Welcome from the matrix.', 'status.open': null }) },
  { method: 'POST', path: '/api/firm/messages/preview', expect: adminOnly, body: () => ({ key: 'help', text: 'Call **us**.' }) },
  { method: 'GET', path: '/api/messages', expect: signedIn() },
];
