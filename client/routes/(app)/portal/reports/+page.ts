import type { PageLoad } from './$types';
import { listPortalReports, settle } from '$lib/api/portal';

/** Every published report of the organisation, newest first. */
export const load: PageLoad = ({ fetch }) => ({ reports: settle(listPortalReports(fetch)) });
