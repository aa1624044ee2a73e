import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { listAllProjects } from '$lib/api/projects';

/** The first page of every client's current projects, and of the completed and archived ones. */
export const load: PageLoad = async ({ fetch, depends }) => {
  depends('app:projects');
  try {
    const [current, done] = await Promise.all([listAllProjects('current', null, fetch), listAllProjects('done', null, fetch)]);
    return { current, done, loadError: null };
  } catch (err) {
    const none = { projects: [], next: null };
    return { current: none, done: none, loadError: err instanceof ApiError ? err.message : 'The projects could not be loaded.' };
  }
};
