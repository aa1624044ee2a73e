import type { PageLoad } from './$types';
import { getPortalFinding, settle } from '$lib/api/portal';

/** One published finding, with every field the organisation's settings allow. */
export const load: PageLoad = ({ params, fetch }) => ({ finding: settle(getPortalFinding(params.id, fetch)) });
