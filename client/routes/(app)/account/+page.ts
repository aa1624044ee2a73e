import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getProfile, listSessions } from '$lib/api/profile';

/** The profile must load; the sessions list may fail on its own (the section offers a retry). */
export const load: PageLoad = async ({ fetch }) => {
  const [profile, sessions] = await Promise.all([
    getProfile(fetch),
    listSessions(fetch).then(
      (list) => ({ list, error: null }),
      (err) => ({ list: null, error: err instanceof ApiError ? err.message : 'Could not load your sessions.' }),
    ),
  ]);
  return { profile, sessions: sessions.list, sessionsError: sessions.error };
};
