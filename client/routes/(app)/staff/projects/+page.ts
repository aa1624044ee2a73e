import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { listAllProjects } from '$lib/api/projects';

/** Every client's projects. */
export const load: PageLoad = async ({ fetch, depends }) => {
  depends('app:projects');
  try {
    return { projects: await listAllProjects(fetch), loadError: null };
  } catch (err) {
    return { projects: [], loadError: err instanceof ApiError ? err.message : 'The projects could not be loaded.' };
  }
};
