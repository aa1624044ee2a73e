import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getClient } from '$lib/api/clients';
import { clientMembers } from '$lib/api/users';

/** One client: its record and its portal users (404 → a not-found state, same as a made-up id). */
export const load: PageLoad = async ({ params, fetch, depends, url }) => {
  depends('app:client', 'app:members');
  const tab = url.searchParams.get('tab') === 'settings' ? 'settings' : 'users';
  try {
    const [client, members] = await Promise.all([getClient(params.id, fetch), clientMembers(params.id).list(fetch)]);
    return { client, members, tab, loadError: null, notFound: false };
  } catch (err) {
    const notFound = err instanceof ApiError && err.status === 404;
    return { client: null, members: [], tab, notFound, loadError: err instanceof ApiError ? err.message : 'The client could not be loaded.' };
  }
};
