import type {
  EnrolConfirmInput,
  EnrolStartInput,
  EnrolStartResult,
  LoginInput,
  LoginResult,
  MfaInput,
  MfaResult,
  MfaStatusDTO,
  RecoveryCodesResult,
  RegenerateRecoveryCodesInput,
  SecuritySettingsDTO,
  SecuritySettingsInput,
} from '$contracts/auth';
import { api } from './http';

/** The password step; says what the person still owes (`enrol`, `verify` or nothing). */
export const login = (input: LoginInput) => api<LoginResult>('POST', '/auth/login', input);
/** The second step: a TOTP code or a recovery code. */
export const verifyMfa = (input: MfaInput) => api<MfaResult>('POST', '/auth/mfa', input);
/** Start enrolling an authenticator (a signed-in person re-enrolling sends their password). */
export const startEnrolment = (input: EnrolStartInput = {}) => api<EnrolStartResult>('POST', '/auth/mfa/enrol/start', input);
/** Confirm the authenticator with its first code; answers the ten recovery codes (shown once). */
export const confirmEnrolment = (input: EnrolConfirmInput) => api<RecoveryCodesResult>('POST', '/auth/mfa/enrol/confirm', input);
/** The signed-in person's MFA status. */
export const getMfaStatus = (f?: typeof fetch) => api<MfaStatusDTO>('GET', '/profile/mfa', undefined, f);
/** Ten new recovery codes (the old ones stop working); needs the password. */
export const regenerateRecoveryCodes = (input: RegenerateRecoveryCodesInput) => api<RecoveryCodesResult>('POST', '/profile/recovery-codes', input);
/** Admin: the firm's security settings. */
export const getSecuritySettings = (f?: typeof fetch) => api<SecuritySettingsDTO>('GET', '/admin/security', undefined, f);
export const putSecuritySettings = (input: SecuritySettingsInput) => api<SecuritySettingsDTO>('PUT', '/admin/security', input);
/** Admin: clear a person's authenticator and recovery codes and end their sessions (they enrol again at next sign-in). */
export const resetUserMfa = (userId: string) => api<void>('POST', `/admin/users/${encodeURIComponent(userId)}/mfa-reset`, {});
