import type { AppDeps } from '../../context.js';
import { deleteStoredFile } from '../../services/storage.js';

/** How long an uploaded file may wait for the message or round that uses it. */
export const PENDING_ATTACHMENT_TTL_MS = 24 * 3_600_000;

/**
 * Delete uploads that nothing ever attached (a message never sent, a dialog abandoned): the rows
 * first, then their files once that committed. Returns how many went.
 */
export async function prunePendingAttachments(deps: Pick<AppDeps, 'db' | 'config'>, now: number): Promise<number> {
  const stale = await deps.db.transaction().execute(async (trx) => {
    const rows = await trx
      .selectFrom('attachments')
      .select(['id', 'file', 'thumb_file'])
      .where('message_id', 'is', null)
      .where('round_id', 'is', null)
      .where('created_at', '<', now - PENDING_ATTACHMENT_TTL_MS)
      .limit(500)
      .execute();
    if (rows.length)
      await trx
        .deleteFrom('attachments')
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .execute();
    return rows;
  });
  for (const r of stale) {
    await deleteStoredFile(deps.config.uploadsDir, r.file);
    await deleteStoredFile(deps.config.uploadsDir, r.thumb_file);
  }
  return stale.length;
}
