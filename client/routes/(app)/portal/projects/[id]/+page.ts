import type { PageLoad } from './$types';
import { getPortalProject, settle } from '$lib/api/portal';

/**
 * One project with its findings and reports. Sorting and filtering are read from the URL by the
 * page, not here, so changing them does not fetch again.
 */
export const load: PageLoad = ({ params, fetch }) => ({ detail: settle(getPortalProject(params.id, fetch)) });
