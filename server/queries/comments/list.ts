import type { AppDeps } from '../../context.js';
import type { CommentDTO } from '../../contracts/realtime.js';
import { presentComment } from '../../presenters/collaboration.js';
import { listComments } from '../../repositories/comments.js';
import type { CommandContext } from '../../context.js';
import { findingForComments } from './access.js';

/**
 * Comments on a finding: the thread as the viewer may see it, and writing one. Writing is the
 * same command for POST and the socket's `comment:create` (the browser's outbox): idempotent per
 * (author, client message id), through the group-commit queue, with its log event, mention and
 * reply notifications and followers in the same transaction.
 */

/** A finding's thread (portal: what the viewer may see, filtered in SQL). */
export async function listFindingComments(deps: Pick<AppDeps, 'db'>, ctx: CommandContext, findingId: string): Promise<CommentDTO[]> {
  const { finding, profile } = await findingForComments(deps, ctx, findingId, 'comment.read');
  const rows = await listComments(deps.db, finding.id, ctx.viewer.user);
  return rows.map((c) => presentComment(c, profile));
}
