import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getProject, teamOptions } from '$lib/api/projects';
import { listFindings } from '$lib/api/findings';

/** One project, the first page of its findings (drafts included) and who can be on its team. */
export const load: PageLoad = async ({ params, fetch, depends }) => {
  depends('app:project');
  try {
    const [project, page, staff] = await Promise.all([getProject(params.id, fetch), listFindings(params.id, null, fetch), teamOptions(fetch)]);
    return { project, findings: page.findings, next: page.next, staff, notFound: false, loadError: null };
  } catch (err) {
    const notFound = err instanceof ApiError && err.status === 404;
    return {
      project: null,
      findings: [],
      next: null,
      staff: [],
      notFound,
      loadError: err instanceof ApiError ? err.message : 'The project could not be loaded.',
    };
  }
};
