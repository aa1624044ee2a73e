import type { Insertable, Kysely, Transaction } from 'kysely';
import type { Database, ReportRow, ReportTable } from '../../db/schema.js';
import { seesSql, stateSql } from '../policies/access.js';
import { lockRow } from '../../db/dialect.js';

/** Report queries. The first argument is the db or the command's transaction. */
type Q = Kysely<Database> | Transaction<Database>;

export interface ProjectRef {
  id: string;
  client_id: string;
  name: string;
}

export function findProjectRef(db: Q, projectId: string): Promise<ProjectRef | undefined> {
  return db.selectFrom('projects').select(['id', 'client_id', 'name']).where('id', '=', projectId).executeTakeFirst();
}

/** One report with its project's name. */
export function findReport(db: Q, id: string): Promise<(ReportRow & { project_name: string }) | undefined> {
  return db
    .selectFrom('reports')
    .innerJoin('projects', 'projects.id', 'reports.project_id')
    .selectAll('reports')
    .select('projects.name as project_name')
    .where('reports.id', '=', id)
    .executeTakeFirst();
}

/**
 * Reports with their project names, newest title/version first. `projectId` narrows to one
 * project; `publishedFor` keeps only what that client's people may see (`seesSql`, in SQL).
 */
export function listReports(db: Q, o: { projectId?: string; publishedFor?: string }): Promise<(ReportRow & { project_name: string })[]> {
  let q = db
    .selectFrom('reports')
    .innerJoin('projects', 'projects.id', 'reports.project_id')
    .innerJoin('clients as fc', 'fc.id', 'reports.client_id')
    .selectAll('reports')
    .select('projects.name as project_name');
  if (o.projectId) q = q.where('reports.project_id', '=', o.projectId);
  if (o.publishedFor) q = q.where(seesSql({ kind: 'portal', client_id: o.publishedFor }, 'report', { clients: 'fc', reports: 'reports' }));
  return q.orderBy('reports.title').orderBy('reports.version', 'desc').execute();
}

/** The next version number of a title in a project (1 for a new title). Call inside the inserting transaction. */
export async function nextReportVersion(db: Q, projectId: string, title: string): Promise<number> {
  await lockRow(db, 'projects', projectId); // two uploads of one title at once get versions one after the other
  const row = await db
    .selectFrom('reports')
    .select((eb) => eb.fn.max<number | null>('version').as('v'))
    .where('project_id', '=', projectId)
    .where('title', '=', title)
    .executeTakeFirst();
  return (row?.v ?? 0) + 1;
}

export async function insertReport(db: Q, row: Insertable<ReportTable>): Promise<void> {
  await db.insertInto('reports').values(row).execute();
}

/**
 * Publish or withdraw a report version, only if it is not so already (`published = 0` to publish):
 * returns whether it changed, so a second publish (a double click) tells nobody again.
 */
export async function setReportPublished(db: Q, id: string, published: boolean, now: number): Promise<boolean> {
  const r = await db
    .updateTable('reports')
    .set({ published: published ? 1 : 0, published_at: published ? now : null })
    .where('id', '=', id)
    .where(published ? stateSql.draft('reports') : stateSql.published('reports'))
    .executeTakeFirst();
  return Number(r.numUpdatedRows) === 1;
}

/** Flag a report whose stored bytes no longer match its checksum (the first time only). */
export async function markReportDamaged(db: Q, id: string, now: number): Promise<void> {
  await db.updateTable('reports').set({ damaged_at: now }).where('id', '=', id).where('damaged_at', 'is', null).execute();
}
