import { sql, type Insertable, type Kysely, type Selectable } from 'kysely';
import type { AuditCheckpointTable, AuditEventTable, Database } from '../../db/schema.js';
import { dialectOf } from '../../db/client.js';

/**
 * The audit log is append-only: rows are written (through `server/audit.ts`) and never changed
 * here; only the retention prune (server/audit/prune.ts) deletes, behind the triggers' gate.
 */

type Db = Kysely<Database>;
export type AuditEventRow = Selectable<AuditEventTable>;
export type AuditCheckpointRow = Selectable<AuditCheckpointTable>;

/** Append chained rows (ids and hashes already set by the writer), in the writer's transaction. */
export async function insertAuditEvents(trx: Db, rows: Insertable<AuditEventTable>[]): Promise<void> {
  await trx.insertInto('audit_events').values(rows).execute();
}

/** Where the chain ends: the last row's id and hash; with no row left (all pruned), the latest checkpoint's; none: null. */
export async function auditChainHead(trx: Db): Promise<{ id: number; hash: string } | null> {
  // `id = (select max(id))`: a lookup by key on both databases (SQLite plans `order by id desc limit 1` as a scan).
  const last = await trx
    .selectFrom('audit_events')
    .select(['id', 'hash'])
    .where('id', '=', (eb) => eb.selectFrom('audit_events').select((e) => e.fn.max('id').as('m')))
    .executeTakeFirst();
  return last ?? lastCheckpointAsHead(trx);
}

const lastCheckpointAsHead = async (trx: Db) =>
  (await trx.selectFrom('audit_checkpoints').select(['last_id as id', 'hash']).orderBy('last_id', 'desc').limit(1).executeTakeFirst()) ?? null;

/**
 * The chain's head and `n` fresh ids for the rows that follow it, in order, under the chain's lock.
 * SQLite (one writer): the next integers after the head. PostgreSQL: from the id's identity
 * sequence, in the same statement as the head (one round trip per batch); ids rise in commit
 * order, since they are taken under the lock; a rolled-back write leaves a gap, which the chain does not mind.
 */
export async function auditChainNext(trx: Db, n: number): Promise<{ head: { id: number; hash: string } | null; ids: number[] }> {
  if (dialectOf(trx) !== 'postgres') {
    const head = await auditChainHead(trx);
    return { head, ids: Array.from({ length: n }, (_, i) => (head?.id ?? 0) + i + 1) };
  }
  const { rows } = await sql<{ id: number | null; hash: string | null; ids: (string | number)[] }>`
    select last.id, last.hash, array(select nextval(pg_get_serial_sequence('audit_events', 'id')) from generate_series(1, ${n})) as ids
    from (select 1) one left join (select id, hash from audit_events order by id desc limit 1) last on true`.execute(trx);
  const r = rows[0]!;
  const head = r.id !== null && r.hash !== null ? { id: Number(r.id), hash: r.hash } : await lastCheckpointAsHead(trx);
  return { head, ids: r.ids.map(Number).sort((a, b) => a - b) };
}

/** Up to `limit` rows after id `after`, in id order (the verifier and exports stream with it). */
export async function auditRowsAfter(db: Db, after: number, limit: number): Promise<AuditEventRow[]> {
  return db.selectFrom('audit_events').selectAll().where('id', '>', after).orderBy('id').limit(limit).execute();
}

/** One row's id and hash, if it is there. */
export async function auditRowHash(db: Db, id: number): Promise<{ id: number; hash: string } | undefined> {
  return db.selectFrom('audit_events').select(['id', 'hash']).where('id', '=', id).executeTakeFirst();
}

/** The highest id of a row written before `before` (ms), or null. Through the `at` index. */
export async function lastAuditIdBefore(db: Db, before: number): Promise<number | null> {
  const row = await db.selectFrom('audit_events').select('id').where('at', '<', before).orderBy('at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  return row?.id ?? null;
}

/** Rows with id in (after, upTo]. */
export async function countAuditRows(db: Db, after: number, upTo: number): Promise<number> {
  const row = await db
    .selectFrom('audit_events')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('id', '>', after)
    .where('id', '<=', upTo)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

/** The id of the `n`-th row (1-based) at or below `upTo`, oldest first; null when there are fewer (a prune batch's end). */
export async function nthAuditIdUpTo(db: Db, upTo: number, n: number): Promise<number | null> {
  const row = await db
    .selectFrom('audit_events')
    .select('id')
    .where('id', '<=', upTo)
    .orderBy('id')
    .limit(1)
    .offset(n - 1)
    .executeTakeFirst();
  return row?.id ?? null;
}

/**
 * Delete rows with id ≤ `upTo`, in the prune's transaction: the gate row is put in first (the
 * triggers let deletes through only while it is there) and taken out before commit, so no other
 * transaction ever sees it. Returns how many rows went.
 */
export async function deleteAuditRowsThroughGate(trx: Db, upTo: number): Promise<number> {
  await trx.insertInto('audit_prune_gate').values({ id: 1 }).execute();
  const r = await trx.deleteFrom('audit_events').where('id', '<=', upTo).executeTakeFirst();
  await trx.deleteFrom('audit_prune_gate').where('id', '=', 1).execute();
  return Number(r.numDeletedRows);
}

/** Append a signed checkpoint. */
export async function insertAuditCheckpoint(trx: Db, row: Insertable<AuditCheckpointTable>): Promise<void> {
  await trx.insertInto('audit_checkpoints').values(row).execute();
}

/** The checkpoint with the highest last_id at or below `upTo` (any, without `upTo`). */
export async function latestAuditCheckpoint(db: Db, upTo?: number): Promise<AuditCheckpointRow | undefined> {
  return db
    .selectFrom('audit_checkpoints')
    .selectAll()
    .$if(upTo !== undefined, (q) => q.where('last_id', '<=', upTo!))
    .orderBy('last_id', 'desc')
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
}

/** Every checkpoint, by last_id (a few a day: 24 an hour-apart day, plus one per prune). */
export async function listAuditCheckpoints(db: Db): Promise<AuditCheckpointRow[]> {
  return db.selectFrom('audit_checkpoints').selectAll().orderBy('last_id').orderBy('id').execute();
}
