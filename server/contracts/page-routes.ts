/**
 * The signed-in SPA's pages, as the server knows them for page views (issue 15, point 11): the
 * SvelteKit route id without its layout groups (`/(app)/portal/findings/[id]` is
 * `/portal/findings/[id]`), who may be shown it, and the object its parameter names. A report of
 * a route not listed here, or of an object the viewer may not see, is refused and writes nothing.
 * `tests/unit/page-routes.test.ts` keeps this list equal to the pages under `client/routes/(app)`.
 * No zod here: the browser imports this file (the event's schema is in `realtime.ts`).
 */

/** What a page's `[param]` names; the server checks the viewer may see it, as the page's own API read does. */
export type PageObject = 'finding' | 'project' | 'client';
export interface PageRoute {
  audience: 'staff' | 'portal' | 'any';
  /** The page's one parameter and what it names; none for a list or a settings page. */
  object?: { param: string; kind: PageObject };
}

const staff = (object?: PageRoute['object']): PageRoute => ({ audience: 'staff', ...(object && { object }) });
const portal = (object?: PageRoute['object']): PageRoute => ({ audience: 'portal', ...(object && { object }) });

export const PAGE_ROUTES: Record<string, PageRoute> = {
  '/account': { audience: 'any' },
  '/account/security': { audience: 'any' },
  '/notifications': { audience: 'any' },
  '/portal': portal(),
  '/portal/access-log': portal(),
  '/portal/activity': portal(),
  '/portal/chat': portal(),
  '/portal/findings': portal(),
  '/portal/findings/[id]': portal({ param: 'id', kind: 'finding' }),
  '/portal/projects': portal(),
  '/portal/projects/[id]': portal({ param: 'id', kind: 'project' }),
  '/portal/reports': portal(),
  '/portal/retests': portal(),
  '/portal/users': portal(),
  '/staff': staff(),
  '/staff/audit': staff(),
  '/staff/chat': staff(),
  '/staff/chat/[clientId]': staff({ param: 'clientId', kind: 'client' }),
  '/staff/clients': staff(),
  '/staff/clients/[id]': staff({ param: 'id', kind: 'client' }),
  '/staff/findings/[id]': staff({ param: 'id', kind: 'finding' }),
  '/staff/findings/[id]/evidence': staff({ param: 'id', kind: 'finding' }),
  '/staff/outbox': staff(),
  '/staff/projects': staff(),
  '/staff/projects/[id]': staff({ param: 'id', kind: 'project' }),
  '/staff/projects/[id]/reports': staff({ param: 'id', kind: 'project' }),
  '/staff/settings/audit': staff(),
  '/staff/settings/branding': staff(),
  '/staff/settings/company': staff(),
  '/staff/settings/messages': staff(),
  '/staff/settings/remediation': staff(),
  '/staff/settings/security': staff(),
  '/staff/settings/sso': staff(),
  '/staff/team': staff(),
  '/staff/verification': staff(),
};

/** A SvelteKit route id as page views name it: without layout groups such as `(app)`. */
export const pageRouteOf = (routeId: string): string => routeId.replace(/\/\([^/)]+\)/g, '') || '/';

/** What a page view answers: whether a row was written, and if not why (a repeat within the minute, or over the hourly cap). */
export type PageViewResult = { recorded: true } | { recorded: false; reason: 'repeat' | 'over_cap' };

/** A session records at most one view of a page per this many milliseconds... */
export const PAGE_VIEW_REPEAT_MS = 60_000;
/** ...and at most this many views per hour; the rest are counted, not recorded. */
export const PAGE_VIEWS_PER_HOUR = 300;
