import type { Insertable, Kysely, Transaction, Updateable } from 'kysely';
import type { Database, EvidenceRow, EvidenceTable } from '../../db/schema.js';
import { seesSql } from '../policies/access.js';
import { lockRow } from '../../db/dialect.js';

/** Evidence queries. The first argument is the db or the command's transaction. */
type Q = Kysely<Database> | Transaction<Database>;

/** The parts of a finding evidence rules depend on. */
export interface FindingRef {
  id: string;
  client_id: string;
  project_id: string;
  title: string;
  published: number;
}

/** A finding's identity, client and published flag (never its content or internal notes). */
export function findFindingRef(db: Q, findingId: string): Promise<FindingRef | undefined> {
  return db.selectFrom('findings').select(['id', 'client_id', 'project_id', 'title', 'published']).where('id', '=', findingId).executeTakeFirst();
}

/**
 * Lock an evidence row for a change, its finding first (docs/transactions.md, "Lock order"): a
 * finding's delete, a redaction and an edit of the same item then wait for each other in one
 * order, and all of them before the event log's lock. Call first in the transaction, then read
 * the row again (it may have changed or gone while we waited). No-op on SQLite.
 */
export async function lockEvidence(trx: Transaction<Database>, findingId: string, id: string): Promise<void> {
  await lockRow(trx, 'findings', findingId);
  await lockRow(trx, 'evidence', id);
}

/** One evidence row with its finding's published flag. */
export function findEvidence(db: Q, id: string): Promise<(EvidenceRow & { finding_published: number }) | undefined> {
  return db
    .selectFrom('evidence')
    .innerJoin('findings', 'findings.id', 'evidence.finding_id')
    .selectAll('evidence')
    .select('findings.published as finding_published')
    .where('evidence.id', '=', id)
    .executeTakeFirst();
}

/**
 * A finding's evidence, oldest first. `clientVisible` keeps only what that client's people may
 * see (`seesSql` of `policies/access.ts`: shared, with a client copy, on a published finding…).
 */
export function listEvidence(db: Q, findingId: string, clientVisible?: { clientId: string }): Promise<EvidenceRow[]> {
  let q = db.selectFrom('evidence').selectAll('evidence').where('evidence.finding_id', '=', findingId);
  if (clientVisible) {
    q = q
      .innerJoin('findings', 'findings.id', 'evidence.finding_id')
      .innerJoin('clients as fc', 'fc.id', 'findings.client_id')
      .where('evidence.client_id', '=', clientVisible.clientId)
      .where(seesSql({ kind: 'portal', client_id: clientVisible.clientId }, 'evidence', { clients: 'fc', findings: 'findings', evidence: 'evidence' }));
  }
  return q.orderBy('evidence.created_at', 'asc').orderBy('evidence.id').execute();
}

export async function insertEvidence(db: Q, row: Insertable<EvidenceTable>): Promise<void> {
  await db.insertInto('evidence').values(row).execute();
}

export async function updateEvidenceRow(db: Q, id: string, set: Updateable<EvidenceTable>): Promise<void> {
  await db.updateTable('evidence').set(set).where('id', '=', id).execute();
}

export async function deleteEvidenceRow(db: Q, id: string): Promise<void> {
  await db.deleteFrom('evidence').where('id', '=', id).execute();
}

/** Every stored file of one evidence row (the client copy of a non-image is the original itself). */
export function evidenceFiles(row: Pick<EvidenceRow, 'original_file' | 'client_file' | 'client_thumb_file'>): string[] {
  return [...new Set([row.original_file, row.client_file, row.client_thumb_file].filter((f): f is string => !!f))];
}
