import type { Kysely, Transaction } from 'kysely';
import type { Database, EvidenceRow, FindingRow, FindingStatus } from '../../db/schema.js';
import { SEVERITIES } from '../contracts/workspace.js';
import { keysetPage, rankSql } from './keyset.js';

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

/** A row of a project's findings table for staff (summary columns only, drafts included). */
export type FindingListRow = Pick<
  FindingRow,
  | 'id'
  | 'project_id'
  | 'title'
  | 'severity'
  | 'status'
  | 'cvss_score'
  | 'published'
  | 'published_at'
  | 'created_at'
  | 'updated_at'
  | 'due_paused_ms'
  | 'due_paused_at'
> & { rank: number };

/** Where a row sorts: most severe first (0 = critical … 4 = informational), then newest, then by id. */
export type FindingListKey = [rank: number, createdAt: number, id: string];

const severityRank = rankSql('severity', SEVERITIES);

/**
 * One page of a project's findings, drafts included: most severe first, then newest. `after` is
 * the sort key of the last row already sent (keyset: rows added meanwhile are neither skipped nor
 * repeated). Reads through the project's index; the sort is over that project's rows only.
 */
export function listProjectFindings(db: DbOrTrx, projectId: string, after: FindingListKey | null, limit: number): Promise<FindingListRow[]> {
  const q = db
    .selectFrom('findings')
    .select([
      'id',
      'project_id',
      'title',
      'severity',
      'status',
      'cvss_score',
      'published',
      'published_at',
      'created_at',
      'updated_at',
      'due_paused_ms',
      'due_paused_at',
    ])
    .select(severityRank.as('rank'))
    .where('project_id', '=', projectId);
  return keysetPage(
    q,
    [
      { by: severityRank, dir: 'asc' },
      { by: 'created_at', dir: 'desc' },
      { by: 'id', dir: 'asc' },
    ],
    after,
    limit,
  ).execute();
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
