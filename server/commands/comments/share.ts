import type { AppDeps } from '../../context.js';
import type { CommentDTO } from '../../contracts/realtime.js';
import { writeAudit } from '../../audit.js';
import { notFound } from '../../errors.js';
import { appendEvent } from '../../events/log.js';
import { mentionedIds, notifyForComment } from '../../services/mentions.js';
import { auditFor, type CommandContext } from '../../context.js';
import { commentFor } from '../../queries/comments/access.js';
import { presentOne } from './create.js';
import { isInternal } from '../../policies/access.js';

/**
 * Share an internal note with the client: from now on it is an ordinary comment their people
 * see (live, and in catch-up as it is now). Client users it mentions are told now. Sharing a
 * comment the client already sees changes nothing.
 */
export async function shareComment(deps: AppDeps, ctx: CommandContext, commentId: string): Promise<CommentDTO> {
  const { comment, finding, profile } = await commentFor(deps, ctx, commentId, 'comment.share');
  if (comment.deleted_at !== null) throw notFound('This comment was deleted.');
  if (!isInternal(comment)) return presentOne(deps, comment.id, profile);
  const now = deps.clock();
  const notified = await deps.writes.run(async (trx) => {
    await trx.updateTable('comments').set({ internal: 0, shared_by: ctx.viewer.user.id, shared_at: now }).where('id', '=', comment.id).execute();
    await appendEvent(
      trx,
      { clientId: finding.client_id, type: 'comment:updated', audience: 'all', entityId: comment.id, data: { findingId: finding.id } },
      now,
    );
    await writeAudit(trx, auditFor(ctx, finding.client_id), { action: 'comment.shared', outcome: 'success', targetType: 'comment', targetId: comment.id }, now);
    const author = await trx.selectFrom('users').select(['id', 'name']).where('id', '=', comment.author_id).executeTakeFirstOrThrow();
    return notifyForComment(trx, { finding, author, internal: false, mentioned: mentionedIds(comment.body), portalOnly: true }, now);
  });
  if (notified.length) deps.bus.publish('notifications.created', { ids: notified });
  return presentOne(deps, comment.id, profile);
}
