import type { AppDeps } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { appendEvent } from '../../events/log.js';
import { notFound } from '../../errors.js';
import { auditFor, type CommandContext } from '../../context.js';
import { audienceOf, ownComment } from './edit.js';

/** Delete your own comment: its text is gone, a tombstone stays in the thread. */
export async function deleteComment(deps: AppDeps, ctx: CommandContext, commentId: string): Promise<void> {
  const { comment, finding } = await ownComment(deps, ctx, commentId);
  const now = deps.clock();
  await deps.writes.run(async (trx) => {
    // Once: a second delete (another tab) that queued before the first committed finds it gone.
    const res = await trx
      .updateTable('comments')
      .set({ deleted_at: now, body: '' })
      .where('id', '=', comment.id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!Number(res.numUpdatedRows)) throw notFound('This comment was deleted.');
    await appendEvent(
      trx,
      { clientId: finding.client_id, type: 'comment:deleted', audience: audienceOf(comment), entityId: comment.id, data: { findingId: finding.id } },
      now,
    );
    await writeAudit(
      trx,
      auditFor(ctx, finding.client_id),
      { action: 'comment.deleted', outcome: 'success', targetType: 'comment', targetId: comment.id },
      now,
    );
  });
}
