import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { ownPortalMembers } from '$lib/api/users';
import { ownSso } from '$lib/api/sso';

/** The organisation's own provider; a failure here leaves the users usable (the card says so). */
async function loadSso(f: typeof fetch) {
  try {
    return { sso: await ownSso.get(f), ssoError: null };
  } catch (err) {
    return { sso: null, ssoError: err instanceof ApiError ? err.message : 'Single sign-on could not be loaded.' };
  }
}

/** A Manager's own organisation's users and its single sign-on (other roles go home; the server refuses them anyway). */
export const load: PageLoad = async ({ parent, fetch, depends }) => {
  depends('app:members');
  const { session } = await parent();
  if (session.user.role !== 'manager') redirect(307, '/portal');
  const sso = loadSso(fetch);
  try {
    return { members: await ownPortalMembers.list(fetch), loadError: null, ...(await sso) };
  } catch (err) {
    return { members: [], loadError: err instanceof ApiError ? err.message : 'The users could not be loaded.', ...(await sso) };
  }
};
