import { verify, type KeyObject } from 'node:crypto';
import type { Db } from '../../db/client.js';
import { auditRowsAfter, listAuditCheckpoints } from '../repositories/audit-events.js';
import { checkpointMessage, GENESIS, rowHash, type ChainedRow } from './canonical.js';
import { AuditKeyError } from './signing-key.js';

/**
 * The audit chain's checker (issue 15, point 16), shared by `npm run audit:verify` on the
 * database and on an export. Rows arrive in id order, in batches, and are never all held: it
 * keeps the last two rows, a running count and the checkpoints (a few a day).
 */

/** A row as stored: the chained fields plus its links. */
export type StoredRow = ChainedRow & { prev_hash: string | null; hash: string | null };
export interface StoredCheckpoint {
  id: number;
  last_id: number;
  hash: string;
  count: number;
  at: number;
  signature: string;
}

export type Verdict =
  | { intact: true; rows: number; firstId: number | null; lastId: number | null; checkpoints: number; anchor: string }
  | { intact: false; problem: string; rowId?: number; checkpointId?: number };

type Failure = Extract<Verdict, { intact: false }>;
const bad = (problem: string, at: { rowId?: number; checkpointId?: number }): Failure => ({ intact: false, problem, ...at });

/** The first checkpoint whose signature does not verify with `key`, as a verdict; null when all do. */
function checkSignatures(checkpoints: StoredCheckpoint[], key: KeyObject): Failure | null {
  for (const c of checkpoints) {
    let ok: boolean;
    try {
      ok = verify(null, checkpointMessage(c), key, Buffer.from(c.signature, 'base64'));
    } catch {
      ok = false;
    }
    if (!ok)
      return bad(`checkpoint ${c.id} (row ${c.last_id}, count ${c.count}) has a signature that does not verify: forged or altered`, { checkpointId: c.id });
  }
  return null;
}

/**
 * Walk the rows against each other and against the (already signature-checked) checkpoints.
 * `checkpoints` sorted by last_id. `mode` 'log' (the database): the first row follows genesis or
 * a checkpoint; 'export': the first row may follow anything (an export of a date range);
 * 'filtered' (an export of some rows): only each row's own hash is checked.
 */
export async function verifyChain(
  batches: AsyncIterable<StoredRow[]>,
  checkpoints: StoredCheckpoint[],
  mode: 'log' | 'export' | 'filtered' = 'log',
): Promise<Verdict> {
  const linked = mode !== 'filtered';
  let prev: StoredRow | null = null;
  let before: StoredRow | null = null;
  let count = 0; // rows chained since genesis (a pruned log starts at its anchor's count)
  let present = 0;
  let first: StoredRow | null = null;
  let anchor = 'genesis';
  let next = 0; // the next checkpoint to meet
  let lastGood: number | null = null; // the last row a checkpoint vouched for
  for await (const batch of batches) {
    for (const row of batch) {
      if (prev && row.id <= prev.id) return bad(`row ${row.id} comes after row ${prev.id}: ids out of order`, { rowId: row.id });
      if (!first) {
        first = row;
        if (mode === 'export') anchor = `row ${row.id}'s predecessor`;
        if (mode === 'log') {
          const a = anchorOf(row, checkpoints);
          if ('problem' in a) return a;
          ({ count, next, anchor } = a);
        }
      } else if (linked && row.prev_hash !== prev!.hash) {
        if (before && row.prev_hash === before.hash)
          return bad(`row ${prev!.id} was inserted: row ${row.id} follows row ${before.id} directly`, { rowId: prev!.id });
        return bad(`row ${row.id} does not follow row ${prev!.id} (its prev_hash differs): rows between them were deleted, or it was altered`, {
          rowId: row.id,
        });
      }
      if (row.hash === null || row.prev_hash === null || rowHash(row.prev_hash, row) !== row.hash)
        return bad(`row ${row.id} was altered: its contents do not match its hash`, { rowId: row.id });
      count++;
      present++;
      if (linked) {
        for (; next < checkpoints.length && checkpoints[next]!.last_id <= row.id; next++) {
          const c = checkpoints[next]!;
          if (c.last_id < row.id)
            return bad(`row ${c.last_id} is missing: it was deleted (checkpoint ${c.id} signed it), before row ${row.id}`, {
              rowId: c.last_id,
              checkpointId: c.id,
            });
          if (c.hash !== row.hash)
            return bad(
              `checkpoint ${c.id} signed a different hash for row ${row.id}: rows ${lastGood === null ? first.id : lastGood + 1}–${row.id} were altered and re-hashed`,
              { rowId: lastGood === null ? first.id : lastGood + 1, checkpointId: c.id },
            );
          if (c.count !== count)
            return bad(`checkpoint ${c.id} counts ${c.count} rows up to row ${row.id}, the log holds ${count}: rows were inserted or deleted`, {
              rowId: row.id,
              checkpointId: c.id,
            });
          lastGood = row.id;
        }
      }
      before = prev;
      prev = row;
    }
  }
  const late = linked ? checkpoints.slice(next).find((c) => c.last_id > (prev?.id ?? 0)) : undefined;
  if (late && prev)
    return bad(`rows after ${prev.id} up to ${late.last_id} are missing: deleted (checkpoint ${late.id} signed row ${late.last_id})`, {
      rowId: prev.id + 1,
      checkpointId: late.id,
    });
  return { intact: true, rows: present, firstId: first?.id ?? null, lastId: prev?.id ?? null, checkpoints: checkpoints.length, anchor };
}

/** Where the first row's chain starts: genesis (count 0), or the newest checkpoint it follows (a pruned log). */
function anchorOf(row: StoredRow, checkpoints: StoredCheckpoint[]): { count: number; next: number; anchor: string } | Failure {
  const base = row.prev_hash === GENESIS ? null : [...checkpoints].reverse().find((c) => c.last_id < row.id && c.hash === row.prev_hash);
  if (row.prev_hash !== GENESIS && !base)
    return bad(`row ${row.id} is the first row but follows neither genesis nor a checkpoint: rows before it were deleted, or it was altered`, {
      rowId: row.id,
    });
  const next = checkpoints.findIndex((c) => c.last_id >= row.id);
  const skipped = checkpoints.find((c) => c.last_id < row.id && c.last_id > (base?.last_id ?? 0));
  if (skipped)
    return bad(`row ${skipped.last_id} is missing: it was deleted (checkpoint ${skipped.id} signed it), before the first row ${row.id}`, {
      rowId: skipped.last_id,
      checkpointId: skipped.id,
    });
  return { count: base?.count ?? 0, next: next === -1 ? checkpoints.length : next, anchor: base ? `checkpoint ${base.id} (row ${base.last_id})` : 'genesis' };
}

const BATCH = 5_000;

/** Every row in id order, a batch at a time (on the caller's transaction: one snapshot). */
async function* rowBatches(db: Db): AsyncGenerator<StoredRow[]> {
  for (let after = 0; ;) {
    const rows = await auditRowsAfter(db, after, BATCH);
    if (!rows.length) return;
    yield rows;
    after = rows[rows.length - 1]!.id;
  }
}

/**
 * Check the log in `db` (pass a read-only transaction: one snapshot throughout): every checkpoint's
 * signature with `key()`, then the rows against each other and the checkpoints. Throws
 * AuditKeyError when there are checkpoints but no key to check them.
 */
export async function verifyAuditDatabase(db: Db, key: () => KeyObject | null): Promise<Verdict> {
  const checkpoints = await listAuditCheckpoints(db);
  if (checkpoints.length) {
    const k = key();
    if (!k)
      throw new AuditKeyError(
        `the log has ${checkpoints.length} signed checkpoints but no key is configured to check them: run with the server's environment (DATA_DIR, AUDIT_SIGNING_KEY, or SECRET_KEY with REDIS_URL) or pass --public-key`,
      );
    const forged = checkSignatures(checkpoints, k);
    if (forged) return forged;
  }
  return verifyChain(rowBatches(db), checkpoints);
}
