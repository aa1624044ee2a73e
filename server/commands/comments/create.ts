import { randomUUID } from 'node:crypto';
import type { AppDeps } from '../../context.js';
import type { CommentInput } from '../../contracts/comments.js';
import type { CommentDTO } from '../../contracts/realtime.js';
import { AppError, conflict, forbidden } from '../../errors.js';
import { appendEvent } from '../../events/log.js';
import { presentComment } from '../../presenters/collaboration.js';
import { findByClientMessageId, insertComment, loadComments } from '../../repositories/comments.js';
import { mentionedIds, notifyForComment } from '../../services/mentions.js';
import type { VisibilityProfile } from '../../visibility/profile.js';
import { auditFor, type CommandContext } from '../../context.js';
import { writeAudit } from '../../audit.js';
import { findingForComments } from '../../queries/comments/access.js';
import { takeSend } from '../../services/send-limit.js';
import { inTurn } from '../../services/group-commit.js';

/** Present one stored comment for the viewer. */
export async function presentOne(deps: Pick<AppDeps, 'db'>, id: string, profile: VisibilityProfile): Promise<CommentDTO> {
  const c = (await loadComments(deps.db, [id])).get(id);
  if (!c) throw new AppError(500, 'internal_error', 'The comment could not be read back.');
  return presentComment(c, profile);
}

/** Write a comment (or return the one this client message id already made: `created: false`). */
export async function createComment(
  deps: AppDeps,
  ctx: CommandContext,
  findingId: string,
  input: CommentInput,
): Promise<{ comment: CommentDTO; created: boolean }> {
  const user = ctx.viewer.user;
  const { finding, profile } = await findingForComments(deps, ctx, findingId, 'comment.write');
  const internal = input.internal === true;
  if (internal && user.kind !== 'staff') throw forbidden('Only the firm’s staff can write internal notes.');

  // A retry of a send that already committed answers with the original, and spends no budget.
  const before = await findByClientMessageId(deps.db, user.id, input.clientMessageId);
  if (before) return replay(deps, before.finding_id, finding.id, before.id, profile);
  await takeSend(deps, user.id);

  const now = deps.clock();
  const id = randomUUID();
  const result = await inTurn(ctx.turn, () =>
    deps.writes.run(async (trx) => {
      // Checked again inside the write: a retry may have arrived in the same batch.
      const dup = await findByClientMessageId(trx, user.id, input.clientMessageId);
      if (dup) return { id: dup.id, findingId: dup.finding_id, created: false, notified: [] as number[] };
      await insertComment(trx, {
        id,
        finding_id: finding.id,
        client_id: finding.client_id,
        author_id: user.id,
        body: input.body,
        internal: internal ? 1 : 0,
        shared_by: null,
        shared_at: null,
        client_message_id: input.clientMessageId,
        created_at: now,
        edited_at: null,
        deleted_at: null,
      });
      await appendEvent(
        trx,
        { clientId: finding.client_id, type: 'comment:created', audience: internal ? 'staff' : 'all', entityId: id, data: { findingId: finding.id } },
        now,
      );
      await writeAudit(
        trx,
        auditFor(ctx, finding.client_id),
        { action: internal ? 'note.created' : 'comment.created', outcome: 'success', targetType: 'comment', targetId: id, details: { findingId: finding.id } },
        now,
      );
      const notified = await notifyForComment(trx, { finding, author: user, internal, mentioned: mentionedIds(input.body), replies: true }, now);
      return { id, findingId: finding.id, created: true, notified };
    }),
  );
  if (result.notified.length) deps.bus.publish('notifications.created', { ids: result.notified });
  if (!result.created) return replay(deps, result.findingId, finding.id, result.id, profile);
  return { comment: await presentOne(deps, result.id, profile), created: true };
}

/** The earlier comment of a replayed send; the same id on another finding is a client bug (409). */
async function replay(deps: AppDeps, storedFinding: string, askedFinding: string, id: string, profile: VisibilityProfile) {
  if (storedFinding !== askedFinding) throw conflict('This message id was already used for another comment.');
  return { comment: await presentOne(deps, id, profile), created: false };
}
