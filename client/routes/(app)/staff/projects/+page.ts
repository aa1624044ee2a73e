import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { listAllProjects, teamOptions } from '$lib/api/projects';
import { listClients } from '$lib/api/clients';

/**
 * The first page of every client's current projects, and of the completed and archived ones, with
 * the clients a new project may belong to (not archived) and the staff its team may name.
 */
export const load: PageLoad = async ({ fetch, depends }) => {
  depends('app:projects');
  try {
    const [current, done, clients, staff] = await Promise.all([
      listAllProjects('current', null, fetch),
      listAllProjects('done', null, fetch),
      listClients(fetch),
      teamOptions(fetch),
    ]);
    return { current, done, clients: clients.filter((c) => c.archivedAt === null).map((c) => ({ id: c.id, name: c.name })), staff, loadError: null };
  } catch (err) {
    const none = { projects: [], next: null };
    return { current: none, done: none, clients: [], staff: [], loadError: err instanceof ApiError ? err.message : 'The projects could not be loaded.' };
  }
};
