import { z } from 'zod';
import { validationFailed } from '../errors.js';

/**
 * Opaque page cursors for keyset pagination: the sort key of the last row sent, so the next page
 * starts after it with an indexed comparison (never OFFSET, which re-reads every earlier row and
 * skips or repeats rows when some are added meanwhile). A cursor that does not decode to the
 * expected key is a field error on `after`.
 */
export type SortKey = (string | number)[];

function encodeCursor(key: SortKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<S extends z.ZodType<SortKey>>(cursor: string, shape: S): z.output<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    raw = null;
  }
  const parsed = shape.safeParse(raw);
  if (!parsed.success)
    throw validationFailed('after: This is not a position this list gave. Reload the list and try again.', [
      { path: 'after', message: 'This is not a position this list gave. Reload the list and try again.' },
    ]);
  return parsed.data;
}

/** One page: the rows, and the cursor of the next page (null on the last). Reads `limit + 1` rows to know. */
export function pageOf<Row, Out>(rows: Row[], limit: number, keyOf: (row: Row) => SortKey, present: (row: Row) => Out): { items: Out[]; next: string | null } {
  const more = rows.length > limit;
  const kept = more ? rows.slice(0, limit) : rows;
  return { items: kept.map(present), next: more ? encodeCursor(keyOf(kept[kept.length - 1]!)) : null };
}
