import type { AcceptInvitationInput, AcceptInvitationResult, InvitationInfoDTO } from '$contracts/users';
import { api } from './http';

/** What an invitation link is for (ApiError 404 with one generic message when it can't be used). */
export const getInvitation = (token: string, f?: typeof fetch) => api<InvitationInfoDTO>('GET', `/invitations/${encodeURIComponent(token)}`, undefined, f);
/** Choose a password; signs the person in and says what they still owe (enrol TOTP, or nothing). */
export const acceptInvitation = (input: AcceptInvitationInput) => api<AcceptInvitationResult>('POST', '/invitations/accept', input);
