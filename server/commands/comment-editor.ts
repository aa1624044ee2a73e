import type { AppDeps } from '../context.js';
import type { CommentRow } from '../../db/schema.js';
import type { CommentPatch } from '../contracts/comments.js';
import type { CommentDTO } from '../contracts/realtime.js';
import { writeAudit } from '../audit.js';
import { forbidden, notFound } from '../errors.js';
import { appendEvent } from '../events/log.js';
import { mentionedIds, notifyForComment } from '../services/mentions.js';
import { auditFor, type CommandContext } from './context.js';
import { commentFor } from './comment-access.js';
import { presentOne } from './comment-creator.js';
import { isInternal } from '../policies/access.js';

/**
 * Changing a comment after it was written: its author edits or deletes it (a deletion leaves a
 * tombstone in the thread), and staff share an internal note with the client. Each change is
 * logged in its own transaction (through the group-commit queue, which announces the events).
 */

const audienceOf = (c: Pick<CommentRow, 'internal'>) => (isInternal(c) ? 'staff' : 'all');

/** The author's own, still-present comment (someone else's: 403; a deleted one: 404). */
async function ownComment(deps: AppDeps, ctx: CommandContext, commentId: string) {
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
    await trx.updateTable('comments').set({ body: input.body, edited_at: now }).where('id', '=', comment.id).execute();
    await appendEvent(trx, { clientId: finding.client_id, type: 'comment:updated', audience: audienceOf(comment), entityId: comment.id, data: { findingId: finding.id } }, now);
    const added = mentionedIds(input.body).filter((id) => !before.has(id));
    return notifyForComment(trx, { finding, author: ctx.viewer.user, internal: isInternal(comment), mentioned: added }, now);
  });
  if (notified.length) deps.bus.publish('notifications.created', { ids: notified });
  return presentOne(deps, comment.id, profile);
}

/** Delete your own comment: its text is gone, a tombstone stays in the thread. */
export async function deleteComment(deps: AppDeps, ctx: CommandContext, commentId: string): Promise<void> {
  const { comment, finding } = await ownComment(deps, ctx, commentId);
  const now = deps.clock();
  await deps.writes.run(async (trx) => {
    await trx.updateTable('comments').set({ deleted_at: now, body: '' }).where('id', '=', comment.id).execute();
    await appendEvent(trx, { clientId: finding.client_id, type: 'comment:deleted', audience: audienceOf(comment), entityId: comment.id, data: { findingId: finding.id } }, now);
    await writeAudit(trx, auditFor(ctx, finding.client_id), { action: 'comment.deleted', outcome: 'success', targetType: 'comment', targetId: comment.id }, now);
  });
}

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
    await appendEvent(trx, { clientId: finding.client_id, type: 'comment:updated', audience: 'all', entityId: comment.id, data: { findingId: finding.id } }, now);
    await writeAudit(trx, auditFor(ctx, finding.client_id), { action: 'comment.shared', outcome: 'success', targetType: 'comment', targetId: comment.id }, now);
    const author = await trx.selectFrom('users').select(['id', 'name']).where('id', '=', comment.author_id).executeTakeFirstOrThrow();
    return notifyForComment(trx, { finding, author, internal: false, mentioned: mentionedIds(comment.body), portalOnly: true }, now);
  });
  if (notified.length) deps.bus.publish('notifications.created', { ids: notified });
  return presentOne(deps, comment.id, profile);
}
