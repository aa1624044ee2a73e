import { redirect } from '@sveltejs/kit';
import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { staffMembers } from '$lib/api/users';

/** The firm's staff accounts (admins only; the server refuses everyone else anyway). */
export const load: PageLoad = async ({ parent, fetch, depends }) => {
  depends('app:members');
  const { session } = await parent();
  if (session.user.role !== 'admin') redirect(307, '/staff');
  try {
    return { members: await staffMembers.list(fetch), loadError: null };
  } catch (err) {
    return { members: [], loadError: err instanceof ApiError ? err.message : 'The team could not be loaded.' };
  }
};
