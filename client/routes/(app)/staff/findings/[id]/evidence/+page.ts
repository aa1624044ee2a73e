import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { listEvidence } from '$lib/api/evidence';

/** A finding's evidence, full page (404 → a not-found state, the same as a made-up id). */
export const load: PageLoad = async ({ params, fetch, depends }) => {
  depends('app:evidence');
  try {
    return { list: await listEvidence(params.id, fetch), notFound: false, loadError: null };
  } catch (err) {
    const notFound = err instanceof ApiError && err.status === 404;
    return { list: null, notFound, loadError: err instanceof ApiError ? err.message : 'The evidence could not be loaded.' };
  }
};
