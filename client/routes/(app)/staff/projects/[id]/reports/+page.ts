import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { listProjectReports } from '$lib/api/reports';

/** A project's reports, every version (404 → a not-found state, the same as a made-up id). */
export const load: PageLoad = async ({ params, fetch, depends }) => {
  depends('app:reports');
  try {
    return { data: await listProjectReports(params.id, fetch), notFound: false, loadError: null };
  } catch (err) {
    const notFound = err instanceof ApiError && err.status === 404;
    return { data: null, notFound, loadError: err instanceof ApiError ? err.message : 'The reports could not be loaded.' };
  }
};
