import type { AppDeps } from '../../context.js';
import { deleteStoredFile } from '../../services/storage.js';
import { tryJobLock } from '../../../db/dialect.js';

/** How long an uploaded file may wait for the message or round that uses it. */
export const PENDING_ATTACHMENT_TTL_MS = 24 * 3_600_000;

/**
 * Delete uploads that nothing ever attached (a message never sent, a dialog abandoned): the rows
 * first, then their files once that committed. Returns how many went; null when another instance
 * is pruning now (one at a time: it does the same work; skip).
 */
export async function prunePendingAttachments(deps: Pick<AppDeps, 'db' | 'config'>, now: number): Promise<number | null> {
  const stale = await deps.db.transaction().execute(async (trx) => {
    if (!(await tryJobLock(trx, 'prune-pending-attachments'))) return null;
    const rows = await trx
      .selectFrom('attachments')
      .select('id')
      .where('message_id', 'is', null)
      .where('round_id', 'is', null)
      .where('created_at', '<', now - PENDING_ATTACHMENT_TTL_MS)
      .limit(500)
      .execute();
    if (!rows.length) return [];
    // The conditions again in the DELETE: a send or submission may attach one of these between
    // the SELECT and here (PostgreSQL re-checks them on a row that changed while we waited), and
    // only the files of rows actually deleted are removed.
    return trx
      .deleteFrom('attachments')
      .where(
        'id',
        'in',
        rows.map((r) => r.id),
      )
      .where('message_id', 'is', null)
      .where('round_id', 'is', null)
      .returning(['file', 'thumb_file'])
      .execute();
  });
  if (!stale) return null;
  for (const r of stale) {
    await deleteStoredFile(deps.config.uploadsDir, r.file);
    await deleteStoredFile(deps.config.uploadsDir, r.thumb_file);
  }
  return stale.length;
}
