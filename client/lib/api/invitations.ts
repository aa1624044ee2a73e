import { call, type BodyOf } from './http';

type F = typeof fetch;

/** What an invitation link is for (ApiError 404 with one generic message when it can't be used). */
export const getInvitation = (token: string, fetch?: F) => call('GET /invitations/:token', { params: { token }, fetch });
/** Choose a password; signs the person in and says what they still owe (enrol TOTP, or nothing). */
export const acceptInvitation = (body: BodyOf<'POST /invitations/accept'>) => call('POST /invitations/accept', { body });
