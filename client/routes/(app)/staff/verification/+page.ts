import type { PageLoad } from './$types';
import { getVerificationQueue, listRetests } from '$lib/api/remediation';
import { settle } from '$lib/api/portal';

/** The verification queue (every finding waiting for a verdict, oldest first) and the retest requests. */
export const load: PageLoad = ({ fetch, depends }) => {
  depends('app:verification');
  return { queue: settle(getVerificationQueue(fetch)), retests: settle(listRetests(fetch)) };
};
