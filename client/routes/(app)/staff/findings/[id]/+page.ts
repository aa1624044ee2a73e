import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getFinding } from '$lib/api/findings';

/** One finding for the editor (404 → a not-found state, the same as a made-up id). */
export const load: PageLoad = async ({ params, fetch, depends }) => {
  depends('app:finding');
  try {
    return { finding: await getFinding(params.id, fetch), notFound: false, loadError: null };
  } catch (err) {
    const notFound = err instanceof ApiError && err.status === 404;
    return { finding: null, notFound, loadError: err instanceof ApiError ? err.message : 'The finding could not be loaded.' };
  }
};
