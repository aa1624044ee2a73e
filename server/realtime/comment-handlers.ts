import type { AppDeps } from '../context.js';
import { CommentCreateEvent } from '../contracts/comments.js';
import { createComment } from '../commands/comments/create.js';
import { handle } from './ack.js';
import type { AppSocket } from './socket-types.js';

/**
 * `comment:create`: the same command as POST /api/findings/:id/comments (the browser's outbox
 * sends comments typed offline this way, retrying with the same client message id). The send
 * budget is taken inside the command, shared with HTTP.
 */
export function registerCommentHandlers(deps: AppDeps, socket: AppSocket): void {
  handle(deps, socket, 'comment:create', CommentCreateEvent, async ({ findingId, ...input }, ctx) => createComment(deps, ctx, findingId, input));
}
