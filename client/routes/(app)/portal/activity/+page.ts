import type { PageLoad } from './$types';
import { getPortalActivity, settle } from '$lib/api/portal';

/**
 * The organisation's activity, newest first, a page at a time. With the Activity module off the
 * server answers `module_disabled` and the page shows its padlock (so does the menu).
 */
export const load: PageLoad = ({ fetch, depends }) => {
  depends('app:portal-activity');
  return { activity: settle(getPortalActivity(null, fetch)) };
};
