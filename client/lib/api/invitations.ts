import { call, type BodyOf } from './http';

type F = typeof fetch;

/** What an invitation link is for (ApiError 404 with one generic message when it can't be used). */
export const getInvitation = (token: string, fetch?: F) => call('GET /invitations/:token', { params: { token }, fetch });
/** Choose a password; signs the person in and says what they still owe (enrol TOTP, or nothing). */
export const acceptInvitation = (body: BodyOf<'POST /invitations/accept'>) => call('POST /invitations/accept', { body });
/** What an e-mail change link confirms (ApiError 404 with one generic message when it can't be used). */
export const getEmailChange = (token: string, fetch?: F) => call('GET /email-change/:token', { params: { token }, fetch });
/** Confirm a change of address: the account signs in with the new one from now on. */
export const confirmEmailChange = (token: string) => call('POST /email-change/confirm', { body: { token } });
