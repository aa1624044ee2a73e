import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getInvitation } from '$lib/api/invitations';

/** What the link is for; an unusable link (any reason) loads as `invitation: null` with the server's one message. */
export const load: PageLoad = async ({ params, fetch }) => {
  try {
    return { token: params.token, invitation: await getInvitation(params.token, fetch), problem: null };
  } catch (err) {
    if (err instanceof ApiError && err.status !== 0 && err.status < 500 && err.status !== 429) {
      return { token: params.token, invitation: null, problem: err.message };
    }
    return { token: params.token, invitation: null, problem: err instanceof ApiError ? err.message : 'Something went wrong.', retry: true };
  }
};
