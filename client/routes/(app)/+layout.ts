import { redirect } from '@sveltejs/kit';
import type { LayoutLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getSession } from '$lib/api/session';

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
    if (!session.mfaVerified) redirect(307, session.mfaStep === 'enrol' ? '/mfa/setup' : '/login/mfa');
    return { session };
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) redirect(307, '/login');
    throw err;
  }
};
