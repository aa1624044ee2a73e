import { pageRouteOf } from '$contracts/page-routes';
import type { PageViewInput } from '$contracts/realtime';
import { live } from './live.svelte';

/**
 * The audit trail's page views (issue 15, point 11): the signed-in layout reports each page it
 * shows, by route id and parameters, over the live connection. While it is not live, only the
 * latest page waits and goes once it is (a page left meanwhile was not really viewed). The server
 * decides what is recorded; the answer is not needed here.
 */

let pending: PageViewInput | null = null;
let listening = false;

function flush(): void {
  const page = pending;
  pending = null;
  if (page) void live.request('page:view', page);
}

/** Report the page now shown (called after every navigation, the first included). */
export function reportPageView(routeId: string | null | undefined, params: Record<string, string>): void {
  if (!routeId) return;
  pending = { route: pageRouteOf(routeId), params: { ...params } };
  if (!listening) {
    listening = true;
    live.onLive(flush); // flushes now when already live, and after each (re)connection
  } else if (live.state === 'live') flush();
}
