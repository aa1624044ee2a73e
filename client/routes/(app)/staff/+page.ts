import type { PageLoad } from './$types';
import { getRemediationSummary } from '$lib/api/remediation';
import { settle } from '$lib/api/portal';

/** Staff home: remediation counts across every client (overdue, waiting for verification, retests). */
export const load: PageLoad = ({ fetch, depends }) => {
  depends('app:staff-home');
  return { summary: settle(getRemediationSummary(fetch)) };
};
