import { call, type BodyOf } from './http';

type F = typeof fetch;

/** Who is signed in (throws ApiError 401 when nobody is). */
export const getSession = (fetch?: F) => call('GET /session', { fetch });
/** Whether the first-run setup is still open (404 once it is done). */
export const getSetup = (fetch?: F) => call('GET /setup', { fetch });
export const completeSetup = (body: BodyOf<'POST /setup'>) => call('POST /setup', { body });
/** Sign out; answers where to sign out at the provider too (when signed in through one), or null. */
export const logout = () => call('POST /auth/logout');
/** "Stay signed in": the server records activity now (its answer moves the idle deadline). */
export const stayActive = () => call('POST /session/activity', { body: {} });
