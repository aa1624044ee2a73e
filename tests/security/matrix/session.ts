import { signedIn, type MatrixEntry } from './shapes.js';

/**
 * The authorization matrix for "Stay signed in" (issue 18, point 6): anyone signed in may record
 * activity on their own session (it names no resource, so no client can reach another's);
 * anonymous callers get 401.
 */
export const SESSION_MATRIX: MatrixEntry[] = [{ method: 'POST', path: '/api/session/activity', body: () => ({}), expect: signedIn() }];
