import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getSession } from '$lib/api/session';

/** Someone already fully signed in goes to the front door; everyone else sees the form. */
export const load: PageLoad = async ({ fetch }) => {
  try {
    const s = await getSession(fetch);
    if (s.mfaVerified) redirect(307, '/');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
  }
};
