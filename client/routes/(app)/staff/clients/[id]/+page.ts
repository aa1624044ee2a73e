import type { PageLoad } from './$types';
import { ApiError } from '$lib/api/http';
import { getClient, getClientStaff } from '$lib/api/clients';
import { clientMembers } from '$lib/api/users';
import { listClientProjects, teamOptions, type StaffOption } from '$lib/api/projects';
import type { ProjectDTO } from '$contracts/workspace';
import type { ClientStaffDTO } from '$contracts/clients';
import type { ClientSsoDTO } from '$contracts/sso';
import { clientSso } from '$lib/api/sso';

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

/** The client's own provider, for administrators only (the server refuses analysts); a failure leaves the rest usable. */
async function loadSso(clientId: string, admin: boolean, f: typeof fetch): Promise<{ sso: ClientSsoDTO | null; ssoShown: boolean; ssoError: string | null }> {
  if (!admin) return { sso: null, ssoShown: false, ssoError: null };
  try {
    return { sso: await clientSso(clientId).get(f), ssoShown: true, ssoError: null };
  } catch (err) {
    return { sso: null, ssoShown: true, ssoError: err instanceof ApiError ? err.message : 'Single sign-on could not be loaded.' };
  }
}

/** One client: its record, portal users and projects (404 → a not-found state, same as a made-up id). */
export const load: PageLoad = async ({ params, fetch, depends, url, parent }) => {
  depends('app:client', 'app:members', 'app:client-projects', 'app:client-team');
  const asked = url.searchParams.get('tab');
  const tab = TABS.find((t) => t === asked) ?? 'users';
  const sso = parent().then(({ session }) => loadSso(params.id, session.user.role === 'admin', fetch));
  try {
    const [client, members, projects, team] = await Promise.all([
      getClient(params.id, fetch),
      clientMembers(params.id).list(fetch),
      loadProjects(params.id, fetch),
      loadTeam(params.id, fetch),
    ]);
    return { client, members, ...projects, ...team, ...(await sso), tab, loadError: null, notFound: false };
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
      sso: null,
      ssoShown: false,
      ssoError: null,
      tab,
      notFound,
      loadError: err instanceof ApiError ? err.message : 'The client could not be loaded.',
    };
  }
};
