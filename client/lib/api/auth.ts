import { call, type BodyOf } from './http';

type F = typeof fetch;

/** The password step; says what the person still owes (`enrol`, `verify` or nothing). */
export const login = (body: BodyOf<'POST /auth/login'>) => call('POST /auth/login', { body });
/** The second step: a TOTP code or a recovery code. */
export const verifyMfa = (body: BodyOf<'POST /auth/mfa'>) => call('POST /auth/mfa', { body });
/** Start enrolling an authenticator (a signed-in person re-enrolling sends their password). */
export const startEnrolment = (body: BodyOf<'POST /auth/mfa/enrol/start'> = {}) => call('POST /auth/mfa/enrol/start', { body });
/** Confirm the authenticator with its first code; answers the ten recovery codes (shown once). */
export const confirmEnrolment = (body: BodyOf<'POST /auth/mfa/enrol/confirm'>) => call('POST /auth/mfa/enrol/confirm', { body });
/** The signed-in person's MFA status. */
export const getMfaStatus = (fetch?: F) => call('GET /profile/mfa', { fetch });
/** Ten new recovery codes (the old ones stop working); needs the password. */
export const regenerateRecoveryCodes = (body: BodyOf<'POST /profile/recovery-codes'>) => call('POST /profile/recovery-codes', { body });
/** Admin: the firm's security settings. */
export const getSecuritySettings = (fetch?: F) => call('GET /admin/security', { fetch });
export const putSecuritySettings = (body: BodyOf<'PUT /admin/security'>) => call('PUT /admin/security', { body });
/** Admin: clear a person's authenticator and recovery codes and end their sessions (they enrol again at next sign-in). */
export const resetUserMfa = (userId: string) => call('POST /admin/users/:id/mfa-reset', { params: { id: userId }, body: {} });
