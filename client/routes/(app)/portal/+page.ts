import type { PageLoad } from './$types';
import { getDashboard, settle } from '$lib/api/portal';
import { getRemediationSummary } from '$lib/api/remediation';

/** The overview. The promises are handed to the page unresolved, so it can show a loading state. */
export const load: PageLoad = ({ fetch, depends }) => {
  depends('app:portal-dashboard');
  return { dashboard: settle(getDashboard(fetch)), remediation: settle(getRemediationSummary(fetch)) };
};
