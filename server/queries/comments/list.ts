import type { AppDeps } from '../../context.js';
import { z } from 'zod';
import type { PageQuery } from '../../contracts/api.js';
import { COMMENT_PAGE_DEFAULT } from '../../contracts/comments.js';
import type { CommentDTO } from '../../contracts/realtime.js';
import { decodeCursor, pageOf } from '../../services/cursor.js';
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

const CommentKey = z.tuple([z.number().int(), z.string().max(64)]);

/**
 * A page of a finding's thread (portal: what the viewer may see, filtered in SQL): the newest
 * comments, oldest first, and `next`, the cursor of the earlier ones.
 */
export async function listFindingComments(
  deps: Pick<AppDeps, 'db'>,
  ctx: CommandContext,
  findingId: string,
  query: PageQuery,
): Promise<{ comments: CommentDTO[]; next: string | null }> {
  const { finding, profile } = await findingForComments(deps, ctx, findingId, 'comment.read');
  const limit = query.limit ?? COMMENT_PAGE_DEFAULT;
  const before = query.after === undefined ? null : decodeCursor(query.after, CommentKey);
  const rows = await listComments(deps.db, finding.id, ctx.viewer.user, before, limit + 1);
  const page = pageOf(
    rows,
    limit,
    (c) => [c.created_at, c.id],
    (c) => presentComment(c, profile),
  );
  return { comments: page.items.reverse(), next: page.next };
}
