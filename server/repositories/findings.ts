import type { Kysely, Transaction } from 'kysely';
import type { Database, EvidenceRow, FindingRow, FindingStatus } from '../../db/schema.js';

/** One row of a finding's status history, with the name of whoever changed it. */
export interface StatusChangeRow {
  from_status: FindingStatus | null;
  to_status: FindingStatus;
  note: string;
  at: number;
  actor_id: string | null;
  actor_name: string | null;
}

/**
 * Staff-side reads of findings: every column (internal notes included) and drafts. Never use
 * these for a portal request; the portal has its own published-only, client-filtered queries.
 */

type DbOrTrx = Kysely<Database> | Transaction<Database>;

/** A finding with its project's name. */
export type FindingWithProject = FindingRow & { project_name: string };

/** One finding by id (any client), or undefined. */
export function findFinding(db: DbOrTrx, findingId: string): Promise<FindingWithProject | undefined> {
  return db
    .selectFrom('findings')
    .innerJoin('projects', 'projects.id', 'findings.project_id')
    .selectAll('findings')
    .select('projects.name as project_name')
    .where('findings.id', '=', findingId)
    .executeTakeFirst();
}

/** Every finding of a project, drafts included: most severe first, then newest. */
export function listProjectFindings(db: DbOrTrx, projectId: string): Promise<FindingRow[]> {
  return db
    .selectFrom('findings')
    .selectAll()
    .where('project_id', '=', projectId)
    .orderBy((eb) =>
      eb
        .case()
        .when('severity', '=', 'critical')
        .then(0)
        .when('severity', '=', 'high')
        .then(1)
        .when('severity', '=', 'medium')
        .then(2)
        .when('severity', '=', 'low')
        .then(3)
        .else(4)
        .end(),
    )
    .orderBy('created_at', 'desc')
    .orderBy('id')
    .execute();
}

/** The status history of findings, oldest first, with the actor's name, grouped by finding. */
export async function statusHistories(db: DbOrTrx, findingIds: string[]): Promise<Map<string, StatusChangeRow[]>> {
  const out = new Map(findingIds.map((id) => [id, [] as StatusChangeRow[]]));
  if (findingIds.length === 0) return out;
  const rows = await db
    .selectFrom('finding_status_history as h')
    .leftJoin('users', 'users.id', 'h.actor_id')
    .select(['h.finding_id', 'h.from_status', 'h.to_status', 'h.note', 'h.at', 'h.actor_id', 'users.name as actor_name'])
    .where('h.finding_id', 'in', findingIds)
    .orderBy('h.at')
    .orderBy('h.id')
    .execute();
  for (const { finding_id, ...r } of rows) out.get(finding_id)!.push(r);
  return out;
}

/** Whether a finding has any status history yet. */
export async function hasHistory(db: DbOrTrx, findingId: string): Promise<boolean> {
  return !!(await db.selectFrom('finding_status_history').select('id').where('finding_id', '=', findingId).limit(1).executeTakeFirst());
}

/** Every evidence row of a finding (staff see them all, shared or not), oldest first. */
export function findingEvidence(db: DbOrTrx, findingId: string): Promise<EvidenceRow[]> {
  return db.selectFrom('evidence').selectAll().where('finding_id', '=', findingId).orderBy('created_at').orderBy('id').execute();
}
