import type { PageLoad } from './$types';
import { listPortalProjects, settle } from '$lib/api/portal';

/** The organisation's projects (403 module_disabled → the page says the module is off). */
export const load: PageLoad = ({ fetch }) => ({ projects: settle(listPortalProjects(fetch)) });
