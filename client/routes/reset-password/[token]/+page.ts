import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { checkResetLink } from '$lib/api/profile';

/** Check the link before showing the form: an invalid one gets the one generic message. */
export const load: PageLoad = async ({ params, fetch }) => {
  try {
    const link = await checkResetLink(params.token, fetch);
    return { token: params.token, email: link.email, invalid: false as const };
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return { token: params.token, email: null, invalid: true as const, message: err.message };
    throw err;
  }
};
