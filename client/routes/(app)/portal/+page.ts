import type { PageLoad } from './$types';
import { getDashboard, settle } from '$lib/api/portal';

/** The overview. The promise is handed to the page unresolved, so it can show a loading state. */
export const load: PageLoad = ({ fetch }) => ({ dashboard: settle(getDashboard(fetch)) });
