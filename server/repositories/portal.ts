import type { Db } from '../../db/client.js';
import type { EvidenceRow, FindingRow, FindingStatus, ProjectRow, ReportRow, Severity } from '../../db/schema.js';
import { sql } from 'kysely';
import { OPEN_STATUSES, RESOLVED_STATUSES, type FindingSort } from '../contracts/portal.js';
import { FINDING_STATUSES, SEVERITIES } from '../contracts/workspace.js';
import { keysetPage, rankSql, type KeyPart } from './keyset.js';
import { seesSql } from '../policies/access.js';
import type { StatusChangeRow } from './findings.js';

/**
 * The portal's reads. Every query takes the viewer's client id (from the session, never from the
 * request) and filters in SQL with `seesSql` of `policies/access.ts` (own client, portal open,
 * module on, published, shared…); internal notes are never selected. Callers pass ids from the
 * URL only as a second filter.
 */

/** A finding as loaded for a portal request: everything but the internal notes. */
export type PortalFindingRow = Omit<FindingRow, 'internal_notes'>;

const FINDING_COLUMNS = [
  'findings.id',
  'findings.project_id',
  'findings.client_id',
  'findings.title',
  'findings.severity',
  'findings.description',
  'findings.impact',
  'findings.remediation',
  'findings.technical_details',
  'findings.cvss_vector',
  'findings.cvss_version',
  'findings.cvss_score',
  'findings.references_json',
  'findings.affected_assets_json',
  'findings.status',
  'findings.published',
  'findings.published_at',
  'findings.version',
  'findings.created_by',
  'findings.created_at',
  'findings.updated_at',
  'findings.due_paused_ms',
  'findings.due_paused_at',
] as const;

/** A summary row for a project's findings table. */
export type FindingSummaryRow = Pick<
  FindingRow,
  'id' | 'project_id' | 'title' | 'severity' | 'status' | 'cvss_score' | 'published_at' | 'updated_at' | 'due_paused_ms' | 'due_paused_at'
>;

/** The client's people as a principal (their session was checked by the caller). */
const clientPeople = (clientId: string) => ({ kind: 'portal' as const, client_id: clientId });

/** The findings the client's people may see now, with their client joined as `fc`. */
const published = (db: Db, clientId: string) =>
  db
    .selectFrom('findings')
    .innerJoin('clients as fc', 'fc.id', 'findings.client_id')
    .where(seesSql(clientPeople(clientId), 'finding', { clients: 'fc', findings: 'findings' }));

/** The client's projects (every status): active first, then planned, completed, archived; newest first within each. */
export function listProjects(db: Db, clientId: string): Promise<ProjectRow[]> {
  return db
    .selectFrom('projects')
    .selectAll()
    .where('client_id', '=', clientId)
    .orderBy((eb) =>
      eb.case().when('status', '=', 'active').then(0).when('status', '=', 'planned').then(1).when('status', '=', 'completed').then(2).else(3).end(),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}

/** One of the client's projects, or undefined (another client's id looks exactly like a made-up one). */
export function findProject(db: Db, clientId: string, projectId: string): Promise<ProjectRow | undefined> {
  return db.selectFrom('projects').selectAll().where('client_id', '=', clientId).where('id', '=', projectId).executeTakeFirst();
}

/** Published finding counts per project and severity, plus how many are still open. */
export async function countFindings(
  db: Db,
  clientId: string,
  projectIds?: string[],
): Promise<{ projectId: string; severity: Severity; status: FindingStatus; n: number }[]> {
  if (projectIds && projectIds.length === 0) return [];
  let q = published(db, clientId).select(['findings.project_id', 'findings.severity', 'findings.status', (eb) => eb.fn.countAll<number>().as('n')]);
  if (projectIds) q = q.where('findings.project_id', 'in', projectIds);
  const rows = await q.groupBy(['findings.project_id', 'findings.severity', 'findings.status']).execute();
  return rows.map((r) => ({ projectId: r.project_id, severity: r.severity, status: r.status, n: Number(r.n) }));
}

/** Where a row of a project's findings table sorts: the values of its sort's key parts. */
export type FindingPageKey = (string | number)[];
export type FindingPageRow = FindingSummaryRow & { sev_rank: number; status_rank: number; title_key: string };

const sevRank = rankSql('findings.severity', SEVERITIES);
const statusRank = rankSql('findings.status', FINDING_STATUSES);
const titleKey = sql<string>`lower(${sql.ref('findings.title')})`;
const flip = (d: 'asc' | 'desc') => (d === 'asc' ? 'desc' : 'asc');

/** The key parts of each sort, in order; ties go to the most severe, then the title A→Z, then the id. */
function findingPageOrder(sort: FindingSort, dir: 'asc' | 'desc'): KeyPart[] {
  const bySeverity: KeyPart = { by: sevRank, dir: 'asc' }; // rank 0 = critical: "most severe first" is ascending
  const byTitle: KeyPart = { by: titleKey, dir: 'asc' };
  const byId: KeyPart = { by: 'findings.id', dir: 'asc' };
  if (sort === 'severity') return [{ ...bySeverity, dir: flip(dir) }, byTitle, byId];
  if (sort === 'title') return [{ ...byTitle, dir }, bySeverity, byId];
  return [{ by: statusRank, dir }, bySeverity, byTitle, byId];
}

/** The values of a row for `findingPageOrder(sort)`, in the same order (the next page's cursor). */
export function findingPageKey(sort: FindingSort, r: FindingPageRow): FindingPageKey {
  if (sort === 'severity') return [r.sev_rank, r.title_key, r.id];
  if (sort === 'title') return [r.title_key, r.sev_rank, r.id];
  return [r.status_rank, r.sev_rank, r.title_key, r.id];
}

export interface FindingFilter {
  severity?: Severity;
  status?: FindingStatus;
}

const projectFindings = (db: Db, clientId: string, projectId: string, filter: FindingFilter) => {
  let q = published(db, clientId).where('findings.project_id', '=', projectId);
  if (filter.severity) q = q.where('findings.severity', '=', filter.severity);
  if (filter.status) q = q.where('findings.status', '=', filter.status);
  return q;
};

/**
 * One page of a project's published findings as summary rows, filtered and sorted in SQL (keyset:
 * `after` is the key of the last row sent). Reads through the project's index; the sort is over
 * that one project's rows.
 */
export function pageProjectFindings(
  db: Db,
  clientId: string,
  projectId: string,
  page: FindingFilter & { sort: FindingSort; dir: 'asc' | 'desc'; after: FindingPageKey | null; limit: number },
): Promise<FindingPageRow[]> {
  const q = projectFindings(db, clientId, projectId, page).select([
    'findings.id',
    'findings.project_id',
    'findings.title',
    'findings.severity',
    'findings.status',
    'findings.cvss_score',
    'findings.published_at',
    'findings.updated_at',
    'findings.due_paused_ms',
    'findings.due_paused_at',
    sevRank.as('sev_rank'),
    statusRank.as('status_rank'),
    titleKey.as('title_key'),
  ]);
  return keysetPage(q, findingPageOrder(page.sort, page.dir), page.after, page.limit).execute();
}

/** How many of a project's published findings match the filter. */
export async function countProjectFindings(db: Db, clientId: string, projectId: string, filter: FindingFilter): Promise<number> {
  const row = await projectFindings(db, clientId, projectId, filter)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** One published finding of the client with its project's name, or undefined (drafts and other clients' look made up). */
export function findFinding(db: Db, clientId: string, findingId: string): Promise<(PortalFindingRow & { project_name: string }) | undefined> {
  return published(db, clientId)
    .innerJoin('projects', (j) => j.onRef('projects.id', '=', 'findings.project_id').on('projects.client_id', '=', clientId))
    .select([...FINDING_COLUMNS, 'projects.name as project_name'])
    .where('findings.id', '=', findingId)
    .executeTakeFirst();
}

/** A finding's status history, oldest first, with the name of whoever changed it. */
export function findingHistory(db: Db, findingId: string): Promise<StatusChangeRow[]> {
  return db
    .selectFrom('finding_status_history as h')
    .leftJoin('users', 'users.id', 'h.actor_id')
    .select(['h.from_status', 'h.to_status', 'h.note', 'h.at', 'h.actor_id', 'users.name as actor_name'])
    .where('h.finding_id', '=', findingId)
    .orderBy('h.at')
    .orderBy('h.id')
    .execute();
}

/** The evidence of a finding the client may see (shared, with a client copy, of this client…). */
export function sharedEvidence(db: Db, clientId: string, findingId: string): Promise<EvidenceRow[]> {
  return db
    .selectFrom('evidence')
    .innerJoin('findings', 'findings.id', 'evidence.finding_id')
    .innerJoin('clients as fc', 'fc.id', 'findings.client_id')
    .selectAll('evidence')
    .where('evidence.client_id', '=', clientId)
    .where('evidence.finding_id', '=', findingId)
    .where(seesSql(clientPeople(clientId), 'evidence', { clients: 'fc', findings: 'findings', evidence: 'evidence' }))
    .orderBy('evidence.created_at')
    .orderBy('evidence.id')
    .execute();
}

/** The client's published reports (of one project, or all), newest first, with their project's name. */
export function listReports(db: Db, clientId: string, opts: { projectId?: string; limit?: number } = {}): Promise<(ReportRow & { project_name: string })[]> {
  let q = db
    .selectFrom('reports')
    .innerJoin('projects', (j) => j.onRef('projects.id', '=', 'reports.project_id').on('projects.client_id', '=', clientId))
    .innerJoin('clients as fc', 'fc.id', 'reports.client_id')
    .selectAll('reports')
    .select('projects.name as project_name')
    .where(seesSql(clientPeople(clientId), 'report', { clients: 'fc', reports: 'reports' }));
  if (opts.projectId) q = q.where('reports.project_id', '=', opts.projectId);
  if (opts.limit) q = q.limit(opts.limit);
  return q.orderBy('reports.published_at', 'desc').orderBy('reports.created_at', 'desc').execute();
}

/** How many of the client's projects are active. */
export async function countActiveProjects(db: Db, clientId: string): Promise<number> {
  const r = await db
    .selectFrom('projects')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('client_id', '=', clientId)
    .where('status', '=', 'active')
    .executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Published findings still open, by severity. */
export async function countOpenBySeverity(db: Db, clientId: string): Promise<{ severity: Severity; n: number }[]> {
  const rows = await published(db, clientId)
    .select(['findings.severity', (eb) => eb.fn.countAll<number>().as('n')])
    .where('findings.status', 'in', OPEN_STATUSES)
    .groupBy('findings.severity')
    .execute();
  return rows.map((r) => ({ severity: r.severity, n: Number(r.n) }));
}

/** Per project with published findings: how many there are and how many are resolved. */
export async function remediationProgress(db: Db, clientId: string): Promise<{ projectId: string; name: string; total: number; resolved: number }[]> {
  const rows = await published(db, clientId)
    .innerJoin('projects', (j) => j.onRef('projects.id', '=', 'findings.project_id').on('projects.client_id', '=', clientId))
    .select((eb) => [
      'projects.id as projectId',
      'projects.name as name',
      eb.fn.countAll<number>().as('total'),
      eb.fn.sum<number>(eb.case().when('findings.status', 'in', RESOLVED_STATUSES).then(1).else(0).end()).as('resolved'),
    ])
    .groupBy(['projects.id', 'projects.name'])
    .orderBy('projects.name')
    .execute();
  return rows.map((r) => ({ projectId: r.projectId, name: r.name, total: Number(r.total), resolved: Number(r.resolved ?? 0) }));
}

export interface FindingEventRow {
  id: string;
  title: string;
  at: number;
}
export interface StatusEventRow extends FindingEventRow {
  from_status: FindingStatus | null;
  to_status: FindingStatus;
}
export interface ReportEventRow {
  id: string;
  title: string;
  version: number;
  project_id: string;
  project_name: string;
  at: number;
}

/** The latest publications of the client's findings. */
export async function recentPublications(db: Db, clientId: string, limit: number): Promise<FindingEventRow[]> {
  const rows = await published(db, clientId)
    .select(['findings.id', 'findings.title', 'findings.published_at'])
    .where('findings.published_at', 'is not', null)
    .orderBy('findings.published_at', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({ id: r.id, title: r.title, at: r.published_at! }));
}

/**
 * The latest status changes of published findings made once the client could see them: the
 * client's changes newest first by index (finding_status_history_client), each checked against
 * its finding, until `limit` are found.
 */
export function recentStatusChanges(db: Db, clientId: string, limit: number): Promise<StatusEventRow[]> {
  return published(db, clientId)
    .innerJoin('finding_status_history as h', 'h.finding_id', 'findings.id')
    .select(['findings.id as id', 'findings.title as title', 'h.at as at', 'h.from_status', 'h.to_status'])
    .where('h.client_id', '=', clientId)
    .where('h.from_status', 'is not', null)
    .whereRef('h.at', '>=', 'findings.published_at')
    .orderBy('h.at', 'desc')
    .orderBy('h.id', 'desc')
    .limit(limit)
    .execute();
}

/** The latest published reports of the client. */
export async function recentReports(db: Db, clientId: string, limit: number): Promise<ReportEventRow[]> {
  const rows = await listReports(db, clientId, { limit });
  return rows.map((r) => ({
    id: r.id,
    title: r.title,
    version: r.version,
    project_id: r.project_id,
    project_name: r.project_name,
    at: r.published_at ?? r.created_at,
  }));
}
