import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Expression, SqlBool } from 'kysely';
import type { AppDeps } from '../../context.js';
import type { AuditEventTable } from '../../../db/schema.js';
import { auditBatch, newestAuditId } from '../../repositories/audit-read.js';
import { csvLine } from '../../services/csv.js';

/** Rows read per statement while exporting: small enough to hold, large enough to be quick. */
const BATCH = 1000;

/**
 * Every column of audit_events, in the table's order: the header of an export that found no row
 * (otherwise the rows' own keys are used, so a column added later is exported as it is). A
 * Record, so a column added to the schema fails to compile until it is named here.
 */
const COLUMNS: Record<keyof AuditEventTable, true> = {
  id: true,
  at: true,
  actor_id: true,
  actor_email: true,
  client_id: true,
  action: true,
  target_type: true,
  target_id: true,
  ip: true,
  user_agent: true,
  outcome: true,
  details: true,
  actor_kind: true,
  request_id: true,
  source: true,
  prev_hash: true,
  hash: true,
};

/** Write and wait while the receiver is full (back-pressure); false once the receiver went away. */
async function put(out: Writable, chunk: string): Promise<boolean> {
  if (out.destroyed) return false;
  if (!out.write(chunk)) await Promise.race([once(out, 'drain'), once(out, 'close')]);
  return !out.destroyed;
}

export type ExportFormat = 'csv' | 'jsonl';

/**
 * Stream the rows matching `where` that exist now (up to the newest id at the start), oldest first,
 * in id batches, waiting for the receiver to drain between writes. `csv`: a header line, then
 * each row's cells neutralised against formulas; `jsonl`: one JSON object per line whose keys are
 * exactly the audit_events columns and whose values are as stored (the verifier reads these).
 * `shape` picks the columns (the Access log's narrower set); by default, every column.
 */
export async function streamAudit(
  deps: Pick<AppDeps, 'db'>,
  out: Writable,
  where: Expression<SqlBool>[],
  format: ExportFormat,
  shape?: (row: Record<string, unknown>) => Record<string, unknown>,
): Promise<number> {
  const upTo = await newestAuditId(deps.db);
  let after = 0;
  let count = 0;
  let header = false;
  for (;;) {
    const rows = await auditBatch(deps.db, where, after, upTo, BATCH);
    if (!rows.length) break;
    let chunk = '';
    for (const raw of rows) {
      const row = shape ? shape(raw) : (raw as Record<string, unknown>);
      if (format === 'jsonl') chunk += `${JSON.stringify(row)}\n`;
      else {
        if (!header) chunk += csvLine(Object.keys(row));
        header = true;
        chunk += csvLine(Object.values(row));
      }
    }
    count += rows.length;
    after = Number(rows[rows.length - 1]!.id);
    if (!(await put(out, chunk))) return count;
    if (rows.length < BATCH) break;
  }
  if (format === 'csv' && !header) await put(out, csvLine(shape ? Object.keys(shape({})) : Object.keys(COLUMNS)));
  return count;
}
