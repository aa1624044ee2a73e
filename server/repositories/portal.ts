import type { Db } from '../../db/client.js';
import type { EvidenceRow, FindingRow, FindingStatus, ProjectRow, ReportRow, Severity } from '../../db/schema.js';
import { OPEN_STATUSES, RESOLVED_STATUSES } from '../contracts/portal.js';
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

/** The published findings of one of the client's projects (summary columns only). */
export function listProjectFindings(db: Db, clientId: string, projectId: string): Promise<FindingSummaryRow[]> {
  return published(db, clientId)
    .select([
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
    ])
    .where('findings.project_id', '=', projectId)
    .orderBy('findings.published_at', 'desc')
    .execute();
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

/** The latest status changes of published findings made once the client could see them. */
export function recentStatusChanges(db: Db, clientId: string, limit: number): Promise<StatusEventRow[]> {
  return published(db, clientId)
    .innerJoin('finding_status_history as h', 'h.finding_id', 'findings.id')
    .select(['findings.id as id', 'findings.title as title', 'h.at as at', 'h.from_status', 'h.to_status'])
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
