import type { ApiErrorBody } from '$contracts/errors';
import type { PasswordChangeInput, PasswordResetConfirmInput, ProfileDTO, ProfileUpdateInput, ResetLinkDTO, SessionInfoDTO } from '$contracts/profile';
import { api, ApiError } from './http';

/** The signed-in person's profile. */
export const getProfile = (f?: typeof fetch) => api<ProfileDTO>('GET', '/profile', undefined, f);
/** Change the name and/or notification preferences. */
export const updateProfile = (input: ProfileUpdateInput) => api<ProfileDTO>('PATCH', '/profile', input);
/** Change the password; the server ends every other session and renews this one's cookie. */
export const changePassword = (input: PasswordChangeInput) => api<void>('POST', '/profile/password', input);

/** This person's sessions, most recently active first. */
export const listSessions = (f?: typeof fetch) => api<SessionInfoDTO[]>('GET', '/profile/sessions', undefined, f);
export const endSession = (id: string) => api<void>('DELETE', `/profile/sessions/${encodeURIComponent(id)}`);
export const endOtherSessions = () => api<{ ended: number }>('POST', '/profile/sessions/end-others');

/** Upload an image file as the avatar: the raw bytes are the body (the server sniffs the type). */
export async function uploadAvatar(file: Blob): Promise<ProfileDTO> {
  let res: Response;
  try {
    res = await fetch('/api/profile/avatar', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/octet-stream' },
      body: file,
    });
  } catch {
    throw new ApiError(0, 'network_error', 'Cannot reach the server. Check your connection and try again.');
  }
  const data = await res.json().catch(() => null);
  if (!res.ok) {
    const err = (data as ApiErrorBody | null)?.error;
    throw new ApiError(res.status, err?.code ?? 'internal_error', err?.message ?? `Upload failed (${res.status}).`, err?.details);
  }
  return data as ProfileDTO;
}
export const removeAvatar = () => api<ProfileDTO>('DELETE', '/profile/avatar');

/** Ask for a reset link. The answer is the same whether or not the account exists. */
export const requestPasswordReset = (email: string) => api<{ message: string }>('POST', '/auth/password-reset', { email });
/** Check a reset link (404 when invalid, expired or used). */
export const checkResetLink = (token: string, f?: typeof fetch) => api<ResetLinkDTO>('GET', `/auth/password-reset/${encodeURIComponent(token)}`, undefined, f);
/** Set the new password. It does not sign in: the person then signs in (with their second factor). */
export const confirmPasswordReset = (input: PasswordResetConfirmInput) => api<void>('POST', '/auth/password-reset/confirm', input);
