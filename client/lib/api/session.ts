import type { SessionDTO, SelfDTO, SetupInput } from '$contracts/api';
import { api } from './http';

/** Who is signed in (throws ApiError 401 when nobody is). */
export const getSession = (f?: typeof fetch) => api<SessionDTO>('GET', '/session', undefined, f);
/** Whether the first-run setup is still open (404 once it is done). */
export const getSetup = (f?: typeof fetch) => api<{ setupRequired: boolean }>('GET', '/setup', undefined, f);
export const completeSetup = (input: SetupInput) => api<{ user: SelfDTO }>('POST', '/setup', input);
export const logout = () => api<void>('POST', '/auth/logout');
