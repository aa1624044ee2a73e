import type { Db } from '../../db/client.js';
import type { FindingStatus } from '../../db/schema.js';
import { sql, type Expression, type SqlBool } from 'kysely';
import { seesSql, stateSql, type Person } from '../policies/access.js';

/**
 * The activity feed's reads, for a client's people (their own client, through `seesSql`: portal
 * open, module on, published) or for staff (every client in their scope, published and not
 * archived). One feed, three sources merged newest first in a single keyset order
 * `(at, kind rank, row key)` so a page never skips or repeats an event.
 */

type ActivityKind = 'finding_published' | 'report_published' | 'status_changed';
/** Ties on time break by kind, then by the row's own key. */
const RANK: Record<ActivityKind, number> = { finding_published: 0, report_published: 1, status_changed: 2 };
/** Where a page starts: the key of the last event already sent. */
export type ActivityKey = [at: number, rank: number, key: string | number];

export interface ActivityRow {
  kind: ActivityKind;
  at: number;
  /** The finding's or report's id (status changes: the finding's). */
  id: string;
  /** The row's own key (status changes: the history row's id). */
  key: string | number;
  title: string;
  from_status: FindingStatus | null;
  to_status: FindingStatus | null;
  version: number | null;
  project_id: string | null;
  project_name: string | null;
  client_id: string;
  client_name: string;
}

export const activityKey = (r: ActivityRow): ActivityKey => [r.at, RANK[r.kind], r.key];

/** `(at, rank, key) < before` for one source, whose rank is fixed. */
function beforeSql(kind: ActivityKind, at: Expression<unknown>, key: Expression<unknown>, before: ActivityKey | null): Expression<SqlBool> {
  if (!before) return sql<SqlBool>`1 = 1`;
  const [bAt, bRank, bKey] = before;
  const rank = RANK[kind];
  if (rank < bRank) return sql<SqlBool>`${at} <= ${bAt}`;
  if (rank > bRank) return sql<SqlBool>`${at} < ${bAt}`;
  return sql<SqlBool>`(${at} < ${bAt} or (${at} = ${bAt} and ${key} < ${bKey}))`;
}

/** Staff see published work of clients in their scope that are not archived; a client's people what `seesSql` lets them. */
const findingsOf = (db: Db, person: Person) => {
  const q = db
    .selectFrom('findings')
    .innerJoin('clients as fc', 'fc.id', 'findings.client_id')
    .where(seesSql(person, 'finding', { clients: 'fc', findings: 'findings' }));
  return person.kind === 'staff' ? q.where(sql<SqlBool>`${stateSql.published('findings')} and ${stateSql.notArchived('fc')}`) : q;
};

export interface ActivityOptions {
  findings: boolean;
  reports: boolean;
  before: ActivityKey | null;
  limit: number;
}

/** The newest `limit` events before `before`, newest first, that `person` may see. */
export async function activityPage(db: Db, person: Person, opts: ActivityOptions): Promise<ActivityRow[]> {
  const { before, limit } = opts;
  const none = Promise.resolve([] as ActivityRow[]);
  const publications = opts.findings
    ? findingsOf(db, person)
        .select(['findings.id', 'findings.title', 'findings.published_at as at', 'fc.id as client_id', 'fc.name as client_name'])
        .where('findings.published_at', 'is not', null)
        .where(beforeSql('finding_published', sql.ref('findings.published_at'), sql.ref('findings.id'), before))
        .orderBy('findings.published_at', 'desc')
        .orderBy('findings.id', 'desc')
        .limit(limit)
        .execute()
        .then((rows) => rows.map((r): ActivityRow => ({ ...empty(r), kind: 'finding_published', at: Number(r.at), id: r.id, key: r.id, title: r.title })))
    : none;
  const changes = opts.findings
    ? findingsOf(db, person)
        .innerJoin('finding_status_history as h', 'h.finding_id', 'findings.id')
        .select(['findings.id', 'findings.title', 'h.id as key', 'h.at', 'h.from_status', 'h.to_status', 'fc.id as client_id', 'fc.name as client_name'])
        .whereRef('h.client_id', '=', 'findings.client_id')
        .where('h.from_status', 'is not', null)
        .whereRef('h.at', '>=', 'findings.published_at')
        .where(beforeSql('status_changed', sql.ref('h.at'), sql.ref('h.id'), before))
        .orderBy('h.at', 'desc')
        .orderBy('h.id', 'desc')
        .limit(limit)
        .execute()
        .then((rows) =>
          rows.map((r): ActivityRow => ({
            ...empty(r),
            kind: 'status_changed',
            at: Number(r.at),
            id: r.id,
            key: Number(r.key),
            title: r.title,
            from_status: r.from_status,
            to_status: r.to_status,
          })),
        )
    : none;
  const reportAt = sql<number>`coalesce(reports.published_at, reports.created_at)`;
  const reports = opts.reports
    ? db
        .selectFrom('reports')
        .innerJoin('projects', (j) => j.onRef('projects.id', '=', 'reports.project_id').onRef('projects.client_id', '=', 'reports.client_id'))
        .innerJoin('clients as fc', 'fc.id', 'reports.client_id')
        .select([
          'reports.id',
          'reports.title',
          'reports.version',
          reportAt.as('at'),
          'projects.id as project_id',
          'projects.name as project_name',
          'fc.id as client_id',
          'fc.name as client_name',
        ])
        .where(seesSql(person, 'report', { clients: 'fc', reports: 'reports' }))
        .where(person.kind === 'staff' ? sql<SqlBool>`${stateSql.published('reports')} and ${stateSql.notArchived('fc')}` : sql<SqlBool>`1 = 1`)
        .where(beforeSql('report_published', reportAt, sql.ref('reports.id'), before))
        .orderBy(reportAt, 'desc')
        .orderBy('reports.id', 'desc')
        .limit(limit)
        .execute()
        .then((rows) =>
          rows.map((r): ActivityRow => ({
            ...empty(r),
            kind: 'report_published',
            at: Number(r.at),
            id: r.id,
            key: r.id,
            title: r.title,
            version: r.version,
            project_id: r.project_id,
            project_name: r.project_name,
          })),
        )
    : none;
  const all = (await Promise.all([publications, changes, reports])).flat();
  return all.sort((a, b) => compareDesc(activityKey(a), activityKey(b))).slice(0, limit);
}

const empty = (r: { client_id: string; client_name: string }) => ({
  from_status: null,
  to_status: null,
  version: null,
  project_id: null,
  project_name: null,
  client_id: r.client_id,
  client_name: r.client_name,
});

/** Newest first: a later time, then a higher rank, then a higher key comes first. */
function compareDesc(a: ActivityKey, b: ActivityKey): number {
  for (let i = 0; i < 3; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x !== y) return x < y ? 1 : -1;
  }
  return 0;
}
