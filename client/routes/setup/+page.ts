import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getSetup } from '$lib/api/session';

/** Setup exists only until the first admin is created. */
export const load: PageLoad = async ({ fetch }) => {
  try {
    await getSetup(fetch);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) redirect(307, '/');
    throw err;
  }
};
