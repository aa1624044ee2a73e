import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { ownPortalMembers } from '$lib/api/users';

/** A Manager's own organisation's users (other roles go home; the server refuses them anyway). */
export const load: PageLoad = async ({ parent, fetch, depends }) => {
  depends('app:members');
  const { session } = await parent();
  if (session.user.role !== 'manager') redirect(307, '/portal');
  try {
    return { members: await ownPortalMembers.list(fetch), loadError: null };
  } catch (err) {
    return { members: [], loadError: err instanceof ApiError ? err.message : 'The users could not be loaded.' };
  }
};
