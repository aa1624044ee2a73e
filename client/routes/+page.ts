import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getSession, getSetup } from '$lib/api/session';

/** The front door: send each person where they belong (setup, sign-in, the staff app or the portal). */
export const load: PageLoad = async ({ fetch }) => {
  try {
    const s = await getSession(fetch);
    redirect(307, s.user.kind === 'staff' ? '/staff' : '/portal');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 401) throw err;
  }
  try {
    await getSetup(fetch);
    redirect(307, '/setup');
  } catch (err) {
    if (!(err instanceof ApiError) || err.status !== 404) throw err;
  }
  redirect(307, '/login');
};
