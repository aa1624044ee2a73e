import type { AppDeps } from '../../context.js';
import type { CommentRow } from '../../../db/schema.js';
import type { CommentPatch } from '../../contracts/comments.js';
import type { CommentDTO } from '../../contracts/realtime.js';
import { forbidden, notFound } from '../../errors.js';
import { appendEvent } from '../../events/log.js';
import { mentionedIds, notifyForComment } from '../../services/mentions.js';
import { auditFor, type CommandContext } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { commentFor } from '../../queries/comments/access.js';
import { presentOne } from './create.js';
import { isInternal } from '../../policies/access.js';

/**
 * Changing a comment after it was written: its author edits or deletes it (a deletion leaves a
 * tombstone in the thread), and staff share an internal note with the client. Each change is
 * logged in its own transaction (through the group-commit queue, which announces the events).
 */

export const audienceOf = (c: Pick<CommentRow, 'internal'>) => (isInternal(c) ? 'staff' : 'all');

/** The author's own, still-present comment (someone else's: 403; a deleted one: 404). */
export async function ownComment(deps: AppDeps, ctx: CommandContext, commentId: string) {
  const place = await commentFor(deps, ctx, commentId, 'comment.write');
  if (place.comment.deleted_at !== null) throw notFound('This comment was deleted.');
  if (place.comment.author_id !== ctx.viewer.user.id) throw forbidden('You can only change your own comments.');
  return place;
}

/** Edit your own comment; people newly mentioned in the new text are told (those already named are not). */
export async function editComment(deps: AppDeps, ctx: CommandContext, commentId: string, input: CommentPatch): Promise<CommentDTO> {
  const { comment, finding, profile } = await ownComment(deps, ctx, commentId);
  if (input.body === comment.body) return presentOne(deps, comment.id, profile);
  const before = new Set(mentionedIds(comment.body));
  const now = deps.clock();
  const notified = await deps.writes.run(async (trx) => {
    // Still present: `ownComment`'s check ran before the queue, and a delete may have committed since.
    const res = await trx
      .updateTable('comments')
      .set({ body: input.body, edited_at: now })
      .where('id', '=', comment.id)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!Number(res.numUpdatedRows)) throw notFound('This comment was deleted.');
    await appendEvent(
      trx,
      { clientId: finding.client_id, type: 'comment:updated', audience: audienceOf(comment), entityId: comment.id, data: { findingId: finding.id } },
      now,
    );
    await writeAudit(
      trx,
      auditFor(ctx, finding.client_id),
      {
        action: 'comment.edited',
        outcome: 'success',
        targetType: 'comment',
        targetId: comment.id,
        details: { findingId: finding.id, internal: isInternal(comment) },
      },
      now,
    );
    const added = mentionedIds(input.body).filter((id) => !before.has(id));
    return notifyForComment(trx, { finding, author: ctx.viewer.user, internal: isInternal(comment), mentioned: added }, now);
  });
  if (notified.length) deps.bus.publish('notifications.created', { ids: notified });
  return presentOne(deps, comment.id, profile);
}
