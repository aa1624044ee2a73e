import { sign } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { tryJobLock } from '../../db/dialect.js';
import type { Logger } from '../logger.js';
import { findFirm } from '../repositories/firm.js';
import {
  auditChainHead,
  auditRowHash,
  countAuditRows,
  deleteAuditRowsThroughGate,
  insertAuditCheckpoint,
  latestAuditCheckpoint,
  lastAuditIdBefore,
  nthAuditIdUpTo,
  type AuditCheckpointRow,
} from '../repositories/audit-events.js';
import { checkpointMessage, type CheckpointFacts } from './canonical.js';
import { auditSigningKey, type AuditKeyConfig } from './signing-key.js';

/**
 * Signed checkpoints and retention (issue 15, point 15). A checkpoint states "the chain up to
 * row last_id ends in hash and holds count rows since genesis", signed with Ed25519. Written
 * hourly of the chain's head, and by each prune at its cut before anything is deleted, so what
 * remains of the log always starts at a signed anchor. Both run on one instance at a time (their
 * job lock); another instance finding it held skips.
 */

export interface AuditJobDeps {
  db: Db;
  config: AuditKeyConfig;
  logger?: Logger;
}

/** Never keep audit rows for less than this (a firm setting below it is read as this). */
const MIN_RETENTION_DAYS = 30;
/**
 * Rows deleted per prune transaction: sized so each batch takes about PRUNE_BATCH_MS (SQLite's
 * statements hold the event loop, and a row's delete also updates the search index), with a turn
 * of the event loop between batches. A firm that first prunes years of rows (5,000,000 in the
 * datascale bench, default 400 days' retention) kept answering nothing for minutes with fixed
 * batches of 5,000; now requests and sockets are served between batches.
 */
const PRUNE_BATCH_MS = 20;
const PRUNE_BATCH_MIN = 50;
const PRUNE_BATCH_MAX = 5_000;
const DAY_MS = 86_400_000;

/**
 * Ids counted per statement when a checkpoint counts a long stretch of the chain, with a turn of the
 * event loop between statements: SQLite counts on the event loop. A five-year firm's first
 * checkpoint after the upgrade that brought checkpoints counted its 5,000,000 rows in one
 * statement, and the server answered nothing for ~7 s (1,000,000 rows: 0.5–1.4 s). A request
 * arriving meanwhile waits for at most one slice, and a slice of rows not yet in memory is read
 * from disk: 5,000 ids took ~7 ms on the 1,000,000-row firm (0.8 ms once cached) and ~25 ms on the
 * five-year firm, whose calls measured during those ~25 s each took that much longer.
 */
const COUNT_SLICE = 1_000;

/** Rows chained up to `upTo` since genesis, counted from the checkpoint `anchorId` (null: from genesis). */
interface Counted {
  anchorId: number | null;
  upTo: number;
  count: number;
}

/**
 * Count the chain up to `upTo` before the job's transaction, in slices (COUNT_SLICE), so what waits
 * (requests, sockets) is served between them, paced so the count takes at most a third of the
 * time (on PostgreSQL it runs in the database, which shares the machine's cores). Rows at or
 * below a visible row never change (ids are handed out in commit order; a prune writes its
 * checkpoint before it deletes).
 */
async function countAhead(db: Db, upTo: number): Promise<Counted> {
  const anchor = await latestAuditCheckpoint(db, upTo);
  let count = anchor?.count ?? 0;
  for (let from = anchor?.last_id ?? 0; from < upTo; from += COUNT_SLICE) {
    const started = performance.now();
    count += await countAuditRows(db, from, Math.min(upTo, from + COUNT_SLICE));
    // Twice the slice's time to everything else: the count takes at most a third of the server.
    await new Promise((resolve) => setTimeout(resolve, Math.ceil(2 * (performance.now() - started))));
  }
  return { anchorId: anchor?.id ?? null, upTo, count };
}

/**
 * Rows chained up to `lastId` since genesis: what was counted ahead plus the rows written since,
 * while the checkpoint it started from is still the latest at or below `lastId`; otherwise (another
 * checkpoint came in between) the nearest checkpoint plus the rows after it, counted here.
 */
async function countThrough(db: Db, lastId: number, ahead: Counted | null): Promise<number> {
  const anchor = await latestAuditCheckpoint(db, lastId);
  if (ahead && (anchor?.id ?? null) === ahead.anchorId && lastId >= ahead.upTo) return ahead.count + (await countAuditRows(db, ahead.upTo, lastId));
  return (anchor?.count ?? 0) + (await countAuditRows(db, anchor?.last_id ?? 0, lastId));
}

/** Sign and append the checkpoint of row `lastId` (whose hash is `hash`), unless one for that row exists. */
async function checkpointAt(
  deps: AuditJobDeps,
  trx: Db,
  at: { lastId: number; hash: string; ahead: Counted | null },
  now: number,
): Promise<AuditCheckpointRow | null> {
  const { lastId, hash } = at;
  const latest = await latestAuditCheckpoint(trx, lastId);
  if (latest?.last_id === lastId) return null;
  const facts: CheckpointFacts = { last_id: lastId, hash, count: await countThrough(trx, lastId, at.ahead), at: now };
  const signature = sign(null, checkpointMessage(facts), auditSigningKey(deps.config, deps.logger)).toString('base64');
  await insertAuditCheckpoint(trx, { ...facts, signature });
  return { id: 0, ...facts, signature };
}

/**
 * Checkpoint the chain's head now (the hourly job). Null when there is nothing new since the last
 * checkpoint, or another instance is doing it. Rows are read without the chain's lock: ids are
 * handed out under that lock in commit order, so every row below a visible one is visible too.
 */
export async function writeAuditCheckpoint(deps: AuditJobDeps, now: number): Promise<AuditCheckpointRow | null> {
  const seen = await auditChainHead(deps.db);
  const ahead = seen ? await countAhead(deps.db, seen.id) : null;
  return deps.db.transaction().execute(async (trx) => {
    if (!(await tryJobLock(trx, 'audit-checkpoint'))) return null;
    const head = await auditChainHead(trx);
    return head ? checkpointAt(deps, trx, { lastId: head.id, hash: head.hash, ahead }, now) : null;
  });
}

/**
 * Delete the rows older than `retentionDays` (null: keep forever; at least 30). The cut is the
 * highest id written before the limit; its checkpoint is written first, in its own transaction,
 * then rows up to the cut go in batches, each in a short transaction that opens the triggers'
 * gate. Returns how many rows went, or null when another instance is pruning.
 */
export async function pruneAudit(deps: AuditJobDeps, now: number, retentionDays: number | null): Promise<number | null> {
  if (retentionDays === null) return 0;
  const before = now - Math.max(MIN_RETENTION_DAYS, retentionDays) * DAY_MS;
  const seen = await lastAuditIdBefore(deps.db, before);
  const ahead = seen === null ? null : await countAhead(deps.db, seen);
  const cut = await deps.db.transaction().execute(async (trx) => {
    if (!(await tryJobLock(trx, 'audit-checkpoint'))) return null;
    const id = await lastAuditIdBefore(trx, before);
    const row = id === null ? undefined : await auditRowHash(trx, id);
    if (!row) return 0;
    await checkpointAt(deps, trx, { lastId: row.id, hash: row.hash, ahead }, now);
    return row.id;
  });
  if (!cut) return cut;
  let deleted = 0;
  let batch = 500;
  for (;;) {
    const started = performance.now();
    const size = batch;
    const n = await deps.db.transaction().execute(async (trx) => {
      if (!(await tryJobLock(trx, 'audit-checkpoint'))) return null;
      const bound = (await nthAuditIdUpTo(trx, cut, size)) ?? cut;
      return deleteAuditRowsThroughGate(trx, bound);
    });
    if (n === null) return deleted;
    deleted += n;
    if (n < size) return deleted;
    const ms = Math.max(1, performance.now() - started);
    batch = Math.min(PRUNE_BATCH_MAX, Math.max(PRUNE_BATCH_MIN, Math.round((size * PRUNE_BATCH_MS) / ms)));
    await new Promise((resolve) => setImmediate(resolve)); // what waits (requests, sockets) goes first
  }
}

/** The hourly round: prune what passed the firm's retention (checkpoint first), then checkpoint the head. */
export async function auditHousekeeping(deps: AuditJobDeps, now: number): Promise<void> {
  const firm = await findFirm(deps.db);
  if (firm) await pruneAudit(deps, now, firm.audit_retention_days);
  await writeAuditCheckpoint(deps, now);
}
