import { redirect } from '@sveltejs/kit';
import type { LayoutLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getSession } from '$lib/api/session';
import { signOutReasonOf } from '$contracts/sign-out';
import { loginUrl } from '$lib/session/ended';

/**
 * Everything behind sign-in. This only routes people (the server enforces every rule on every
 * call): not signed in → /login; second factor owed → enrol or verify it first. Reading
 * `url.pathname` makes SvelteKit run this again on every navigation, so the menu's padlocks and
 * the firm's details stay current, and someone whose access was removed is sent to sign in.
 */
export const load: LayoutLoad = async ({ fetch, url }) => {
  void url.pathname;
  try {
    const session = await getSession(fetch);
    if (!session.mfaVerified) redirect(307, session.mfaStep === 'enrol' || session.mfaStep === 'passkey' ? '/mfa/setup' : '/login/mfa');
    return { session };
  } catch (err) {
    // Signed out (with the reason when the server gave one), or refused from here (portal off, network).
    const reason = err instanceof ApiError ? signOutReasonOf(err.details) : null;
    if (err instanceof ApiError && (err.status === 401 || reason)) redirect(307, loginUrl(reason));
    throw err;
  }
};
