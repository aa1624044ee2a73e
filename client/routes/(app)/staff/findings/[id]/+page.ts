import type { PageLoad } from './$types';
import { ApiError, started } from '$lib/api/http';
import { getFinding } from '$lib/api/findings';
import { listComments } from '$lib/api/comments';
import { getRemediation } from '$lib/api/remediation';

/**
 * One finding for the editor (404 → a not-found state, the same as a made-up id). Its discussion
 * and remediation are read at the same time (their components show them), not after it has rendered.
 */
export const load: PageLoad = async ({ params, fetch, depends }) => {
  depends('app:finding');
  const comments = started(params.id, listComments(params.id, null, fetch));
  const remediation = started(params.id, getRemediation(params.id, fetch));
  try {
    return { finding: await getFinding(params.id, fetch), comments, remediation, notFound: false, loadError: null };
  } catch (err) {
    const notFound = err instanceof ApiError && err.status === 404;
    return { finding: null, comments, remediation, notFound, loadError: err instanceof ApiError ? err.message : 'The finding could not be loaded.' };
  }
};
