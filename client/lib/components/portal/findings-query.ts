import { FINDING_SORT_FIRST_DIR, FINDING_SORTS, FINDING_STATUSES, SEVERITIES, type FindingSort, type FindingStatus, type Severity } from '$contracts/constants';
import type { PortalFindingPageQuery } from '$contracts/portal';

/**
 * A project's findings table state, kept in the URL (?sort=&dir=&severity=&status=) so a view can
 * be linked. The server sorts, filters and pages (GET /portal/projects/:id/findings).
 */
export type SortKey = FindingSort;
export interface FindingsQuery {
  sort: SortKey;
  dir: 'asc' | 'desc';
  severity: Severity | 'all';
  status: FindingStatus | 'all';
}

/** The direction a column sorts in first: most severe first; titles and statuses A→Z / in workflow order. */
export const FIRST_DIR = FINDING_SORT_FIRST_DIR;
export const DEFAULT_QUERY: FindingsQuery = { sort: 'severity', dir: 'desc', severity: 'all', status: 'all' };

const oneOf = <T extends string>(v: string | null, list: readonly T[]): T | undefined => (v && (list as readonly string[]).includes(v) ? (v as T) : undefined);

/** Read the table state from the URL; anything unknown falls back to the default. */
export function parseQuery(p: URLSearchParams): FindingsQuery {
  const sort = oneOf(p.get('sort'), FINDING_SORTS) ?? DEFAULT_QUERY.sort;
  return {
    sort,
    dir: oneOf(p.get('dir'), ['asc', 'desc'] as const) ?? FIRST_DIR[sort],
    severity: oneOf(p.get('severity'), SEVERITIES) ?? 'all',
    status: oneOf(p.get('status'), FINDING_STATUSES) ?? 'all',
  };
}

/** Write the table state into a URL (defaults are left out, to keep links short). */
export function writeQuery(url: URL, q: FindingsQuery): URL {
  const next = new URL(url);
  for (const k of ['sort', 'dir', 'severity', 'status'] as const) next.searchParams.delete(k);
  if (q.sort !== DEFAULT_QUERY.sort || q.dir !== FIRST_DIR[q.sort]) {
    next.searchParams.set('sort', q.sort);
    next.searchParams.set('dir', q.dir);
  }
  if (q.severity !== 'all') next.searchParams.set('severity', q.severity);
  if (q.status !== 'all') next.searchParams.set('status', q.status);
  return next;
}

export const sameQuery = (a: FindingsQuery, b: FindingsQuery) => a.sort === b.sort && a.dir === b.dir && a.severity === b.severity && a.status === b.status;

/** The API's query for this table state and page. */
export function apiQuery(q: FindingsQuery, after?: string): PortalFindingPageQuery {
  return {
    sort: q.sort,
    dir: q.dir,
    ...(q.severity === 'all' ? {} : { severity: q.severity }),
    ...(q.status === 'all' ? {} : { status: q.status }),
    ...(after ? { after } : {}),
  };
}
