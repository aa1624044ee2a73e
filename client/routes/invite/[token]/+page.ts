import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getInvitation } from '$lib/api/invitations';
import { getSession } from '$lib/api/session';

/**
 * What the link is for; an unusable link (any reason) loads as `invitation: null` with the server's
 * one message. `signedIn` is whoever this browser is signed in as (a staff member opening a link
 * they are about to send on): the page says whose invitation it is and to sign out first.
 */
export const load: PageLoad = async ({ params, fetch }) => {
  const signedIn = await getSession(fetch)
    .then((s) => s.user)
    .catch(() => null);
  try {
    return { token: params.token, invitation: await getInvitation(params.token, fetch), problem: null, signedIn };
  } catch (err) {
    if (err instanceof ApiError && err.status !== 0 && err.status < 500 && err.status !== 429) {
      return { token: params.token, invitation: null, problem: err.message, signedIn };
    }
    return { token: params.token, invitation: null, problem: err instanceof ApiError ? err.message : 'Something went wrong.', retry: true, signedIn };
  }
};
