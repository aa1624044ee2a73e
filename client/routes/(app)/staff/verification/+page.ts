import type { PageLoad } from './$types';
import { getVerificationQueue, listRetests } from '$lib/api/remediation';
import { settle } from '$lib/api/portal';

/** The first pages of the verification queue (findings waiting for a verdict, oldest first) and of the retest requests. */
export const load: PageLoad = ({ fetch, depends }) => {
  depends('app:verification');
  return { queue: settle(getVerificationQueue(null, fetch)), retests: settle(listRetests(null, fetch)) };
};
