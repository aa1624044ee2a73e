import { z } from 'zod';
import type { AuditPosition } from '../../repositories/audit-read.js';
import { decodeCursor, type SortKey } from '../../services/cursor.js';

/** An audit page's cursor: the last row's time and id (pages run newest first by time, then id). */
const PositionCursor = z.tuple([z.number().int().nonnegative(), z.number().int().positive()]);

/** Where the page after `after` starts (null: the first page); a malformed cursor is a 400. */
export function positionAfter(after: string | undefined): AuditPosition | null {
  if (after === undefined) return null;
  const [at, id] = decodeCursor(after, PositionCursor);
  return { at, id };
}

/** The sort key a row's cursor holds. */
export const positionOf = (r: { at: number | string; id: number | string }): SortKey => [Number(r.at), Number(r.id)];
