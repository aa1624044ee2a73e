import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getClient, getClientStaff } from '$lib/api/clients';
import { clientMembers } from '$lib/api/users';
import { listClientProjects, teamOptions, type StaffOption } from '$lib/api/projects';
import type { ProjectDTO } from '$contracts/workspace';
import type { ClientStaffDTO } from '$contracts/clients';

const TABS = ['users', 'projects', 'team', 'settings'] as const;

/** The client's projects and who can be on a team; a failure here leaves the rest of the page usable. */
async function loadProjects(clientId: string, f: typeof fetch): Promise<{ projects: ProjectDTO[]; staff: StaffOption[]; projectsError: string | null }> {
  try {
    const [projects, staff] = await Promise.all([listClientProjects(clientId, f), teamOptions(f)]);
    return { projects, staff, projectsError: null };
  } catch (err) {
    return { projects: [], staff: [], projectsError: err instanceof ApiError ? err.message : 'The projects could not be loaded.' };
  }
}

/** Who on the firm's side reaches the client; a failure here leaves the rest of the page usable. */
async function loadTeam(clientId: string, f: typeof fetch): Promise<{ team: ClientStaffDTO | null; teamError: string | null }> {
  try {
    return { team: await getClientStaff(clientId, f), teamError: null };
  } catch (err) {
    return { team: null, teamError: err instanceof ApiError ? err.message : 'The team could not be loaded.' };
  }
}

/** One client: its record, portal users and projects (404 → a not-found state, same as a made-up id). */
export const load: PageLoad = async ({ params, fetch, depends, url }) => {
  depends('app:client', 'app:members', 'app:client-projects', 'app:client-team');
  const asked = url.searchParams.get('tab');
  const tab = TABS.find((t) => t === asked) ?? 'users';
  try {
    const [client, members, projects, team] = await Promise.all([
      getClient(params.id, fetch),
      clientMembers(params.id).list(fetch),
      loadProjects(params.id, fetch),
      loadTeam(params.id, fetch),
    ]);
    return { client, members, ...projects, ...team, tab, loadError: null, notFound: false };
  } catch (err) {
    const notFound = err instanceof ApiError && err.status === 404;
    return {
      client: null,
      members: [],
      projects: [],
      staff: [],
      projectsError: null,
      team: null,
      teamError: null,
      tab,
      notFound,
      loadError: err instanceof ApiError ? err.message : 'The client could not be loaded.',
    };
  }
};
