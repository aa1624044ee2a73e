import type { Kysely, Transaction } from 'kysely';
import type { Database, FindingStatus, ProjectRow } from '../../db/schema.js';
import { SEVERITIES, type FindingCounts, type ProjectStatus } from '../contracts/workspace.js';
import { reachesSql, type Person } from '../policies/access.js';
import { keysetPage } from './keyset.js';

/**
 * Staff-side reads and writes of projects and their team. Staff see every finding, drafts
 * included, so counts here cover drafts; the portal has its own published-only queries.
 */

type DbOrTrx = Kysely<Database> | Transaction<Database>;

/** Finding statuses that still need work (counted as "open"). */
const OPEN: readonly FindingStatus[] = ['open', 'not_fixed', 'partially_fixed', 'pending_verification'];

/** A project row with its client's name. */
export type ProjectWithClient = ProjectRow & { client_name: string };

/** One project by id (any client), or undefined. */
export function findProject(db: DbOrTrx, projectId: string): Promise<ProjectWithClient | undefined> {
  return db
    .selectFrom('projects')
    .innerJoin('clients', 'clients.id', 'projects.client_id')
    .selectAll('projects')
    .select('clients.name as client_name')
    .where('projects.id', '=', projectId)
    .executeTakeFirst();
}

/** All of one client's projects, newest first. */
export function listProjects(db: DbOrTrx, clientId: string): Promise<ProjectWithClient[]> {
  return projectsWithClient(db).where('projects.client_id', '=', clientId).orderBy('projects.created_at', 'desc').orderBy('projects.id').execute();
}

/** Where a project sorts in the firm-wide list: newest first, then by id. */
export type ProjectListKey = [createdAt: number, id: string];

/**
 * One page of the projects of every client a staff member reaches, in some statuses, newest first;
 * `after` is the sort key of the last one already sent (keyset, never OFFSET).
 */
export function pageProjects(
  db: DbOrTrx,
  reach: Person,
  statuses: readonly ProjectStatus[],
  after: ProjectListKey | null,
  limit: number,
): Promise<ProjectWithClient[]> {
  const q = projectsWithClient(db).where(reachesSql(reach, 'projects.client_id')).where('projects.status', 'in', statuses);
  return keysetPage(
    q,
    [
      { by: 'projects.created_at', dir: 'desc' },
      { by: 'projects.id', dir: 'asc' },
    ],
    after,
    limit,
  ).execute();
}

const projectsWithClient = (db: DbOrTrx) =>
  db.selectFrom('projects').innerJoin('clients', 'clients.id', 'projects.client_id').selectAll('projects').select('clients.name as client_name');

const emptyCounts = (): FindingCounts => ({
  ...(Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<(typeof SEVERITIES)[number], number>),
  total: 0,
  open: 0,
});

/** Finding counts per project (drafts included): by severity, total, and still open. */
export async function findingCounts(db: DbOrTrx, projectIds: string[]): Promise<Map<string, FindingCounts>> {
  const out = new Map(projectIds.map((id) => [id, emptyCounts()]));
  if (projectIds.length === 0) return out;
  const rows = await db
    .selectFrom('findings')
    .select(['project_id', 'severity', 'status', (eb) => eb.fn.countAll<number>().as('n')])
    .where('project_id', 'in', projectIds)
    .groupBy(['project_id', 'severity', 'status'])
    .execute();
  for (const r of rows) {
    const c = out.get(r.project_id)!;
    const n = Number(r.n);
    c[r.severity] += n;
    c.total += n;
    if (OPEN.includes(r.status)) c.open += n;
  }
  return out;
}

/** The team (staff id and name) of each project, by name. */
export async function teamsOf(db: DbOrTrx, projectIds: string[]): Promise<Map<string, { id: string; name: string }[]>> {
  const out = new Map(projectIds.map((id) => [id, [] as { id: string; name: string }[]]));
  if (projectIds.length === 0) return out;
  const rows = await db
    .selectFrom('project_team')
    .innerJoin('users', 'users.id', 'project_team.user_id')
    .select(['project_team.project_id', 'users.id', 'users.name'])
    .where('project_team.project_id', 'in', projectIds)
    .orderBy('users.name')
    .execute();
  for (const r of rows) out.get(r.project_id)!.push({ id: r.id, name: r.name });
  return out;
}

/** Which of these ids are active staff accounts (only they may be on a team). */
export async function activeStaffIds(db: DbOrTrx, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await db.selectFrom('users').select('id').where('id', 'in', ids).where('kind', '=', 'staff').where('status', '=', 'active').execute();
  return new Set(rows.map((r) => r.id));
}

/** Replace a project's team. */
export async function replaceTeam(trx: DbOrTrx, projectId: string, userIds: string[]): Promise<void> {
  await trx.deleteFrom('project_team').where('project_id', '=', projectId).execute();
  if (userIds.length)
    await trx
      .insertInto('project_team')
      .values(userIds.map((user_id) => ({ project_id: projectId, user_id })))
      .execute();
}

/** Every active staff account (who can be put on a team), by name. */
export function activeStaff(db: DbOrTrx): Promise<{ id: string; name: string }[]> {
  return db.selectFrom('users').select(['id', 'name']).where('kind', '=', 'staff').where('status', '=', 'active').orderBy('name').orderBy('id').execute();
}

/** Staff on the team of any of the client's projects (active accounts only). */
export async function clientTeamStaff(db: DbOrTrx, clientId: string): Promise<{ id: string }[]> {
  return db
    .selectFrom('project_team')
    .innerJoin('projects', 'projects.id', 'project_team.project_id')
    .innerJoin('users', 'users.id', 'project_team.user_id')
    .select('users.id')
    .distinct()
    .where('projects.client_id', '=', clientId)
    .where('users.kind', '=', 'staff')
    .where('users.status', '=', 'active')
    .execute();
}
