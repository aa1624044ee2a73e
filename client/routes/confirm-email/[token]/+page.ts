import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getEmailChange } from '$lib/api/invitations';

/**
 * A link mailed to a new address. Opening it changes nothing (mail scanners open links): the
 * person confirms with a button. An unusable link (any reason) loads with the server's one message.
 */
export const load: PageLoad = async ({ params, fetch }) => {
  try {
    return { token: params.token, change: await getEmailChange(params.token, fetch), problem: null, retry: false };
  } catch (err) {
    const retry = !(err instanceof ApiError) || err.status === 0 || err.status >= 500 || err.status === 429;
    return { token: params.token, change: null, problem: err instanceof ApiError ? err.message : 'Something went wrong.', retry };
  }
};
