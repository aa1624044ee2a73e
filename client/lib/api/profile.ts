import { call, upload, type BodyOf } from './http';

type F = typeof fetch;

/** The signed-in person's profile. */
export const getProfile = (fetch?: F) => call('GET /profile', { fetch });
/** Change the name and/or notification preferences. */
export const updateProfile = (body: BodyOf<'PATCH /profile'>) => call('PATCH /profile', { body });
/** Change the password; the server ends every other session and renews this one's cookie. */
export const changePassword = (body: BodyOf<'POST /profile/password'>) => call('POST /profile/password', { body });

/** This person's sessions, most recently active first. */
export const listSessions = (fetch?: F) => call('GET /profile/sessions', { fetch });
export const endSession = (id: string) => call('DELETE /profile/sessions/:id', { params: { id } });
export const endOtherSessions = () => call('POST /profile/sessions/end-others');

/** Upload an image file as the avatar: the raw bytes are the body (the server sniffs the type). */
export const uploadAvatar = (file: Blob) => upload('POST /profile/avatar', file, {});
export const removeAvatar = () => call('DELETE /profile/avatar');

/** Ask for a reset link. The answer is the same whether or not the account exists. */
export const requestPasswordReset = (email: string) => call('POST /auth/password-reset', { body: { email } });
/** Check a reset link (404 when invalid, expired or used). */
export const checkResetLink = (token: string, fetch?: F) => call('GET /auth/password-reset/:token', { params: { token }, fetch });
/** Set the new password. It does not sign in: the person then signs in (with their second factor). */
export const confirmPasswordReset = (body: BodyOf<'POST /auth/password-reset/confirm'>) => call('POST /auth/password-reset/confirm', { body });
