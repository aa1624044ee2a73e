import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getProject, teamOptions } from '$lib/api/projects';
import { listFindings } from '$lib/api/findings';

/** One project, its findings (drafts included) and who can be on its team. */
export const load: PageLoad = async ({ params, fetch, depends }) => {
  depends('app:project');
  try {
    const [project, findings, staff] = await Promise.all([getProject(params.id, fetch), listFindings(params.id, fetch), teamOptions(fetch)]);
    return { project, findings, staff, notFound: false, loadError: null };
  } catch (err) {
    const notFound = err instanceof ApiError && err.status === 404;
    return { project: null, findings: [], staff: [], notFound, loadError: err instanceof ApiError ? err.message : 'The project could not be loaded.' };
  }
};
