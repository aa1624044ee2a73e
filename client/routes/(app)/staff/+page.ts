import type { PageLoad } from './$types';
import { getRemediationSummary, getStaffHome } from '$lib/api/remediation';
import { settle } from '$lib/api/portal';

/** Staff home: remediation counts across every client, recent activity, projects needing attention, a new firm's next step. */
export const load: PageLoad = ({ fetch, depends }) => {
  depends('app:staff-home');
  return { summary: settle(getRemediationSummary(fetch)), home: settle(getStaffHome(fetch)) };
};
