import { FINDING_STATUSES, SEVERITIES, type FindingStatus, type Severity } from '$contracts/workspace';
import type { FindingSummaryDTO } from '$contracts/portal';
import { severityRank, statusRank } from './format';

/** A project's findings table state, kept in the URL (?sort=&dir=&severity=&status=) so a view can be linked. */
export type SortKey = 'severity' | 'title' | 'status';
export interface FindingsQuery {
  sort: SortKey;
  dir: 'asc' | 'desc';
  severity: Severity | 'all';
  status: FindingStatus | 'all';
}

const SORTS: SortKey[] = ['severity', 'title', 'status'];
/** The direction a column sorts in first: most severe first; titles and statuses A→Z / in workflow order. */
export const FIRST_DIR: Record<SortKey, 'asc' | 'desc'> = { severity: 'desc', title: 'asc', status: 'asc' };
export const DEFAULT_QUERY: FindingsQuery = { sort: 'severity', dir: 'desc', severity: 'all', status: 'all' };

const oneOf = <T extends string>(v: string | null, list: readonly T[]): T | undefined => (v && (list as readonly string[]).includes(v) ? (v as T) : undefined);

/** Read the table state from the URL; anything unknown falls back to the default. */
export function parseQuery(p: URLSearchParams): FindingsQuery {
  const sort = oneOf(p.get('sort'), SORTS) ?? DEFAULT_QUERY.sort;
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

/** The rows to show: filtered, then sorted (ties broken by severity, then title). */
export function applyQuery(rows: FindingSummaryDTO[], q: FindingsQuery): FindingSummaryDTO[] {
  const key = (f: FindingSummaryDTO): number | string =>
    q.sort === 'severity' ? severityRank(f.severity) : q.sort === 'status' ? statusRank(f.status) : f.title.toLocaleLowerCase();
  const sign = q.dir === 'asc' ? 1 : -1;
  return rows
    .filter((f) => (q.severity === 'all' || f.severity === q.severity) && (q.status === 'all' || f.status === q.status))
    .sort((a, b) => {
      const ka = key(a);
      const kb = key(b);
      if (ka < kb) return -sign;
      if (ka > kb) return sign;
      return severityRank(b.severity) - severityRank(a.severity) || a.title.localeCompare(b.title);
    });
}
