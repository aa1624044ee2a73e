import type { AppDeps } from '../context.js';
import { CommentCreateEvent } from '../contracts/comments.js';
import { createComment } from '../commands/comments/create.js';
import { handler, type EventHandler } from './ack.js';

/**
 * `comment:create`: the same command as POST /api/findings/:id/comments (the browser's outbox
 * sends comments typed offline this way, retrying with the same client message id). The send
 * budget is taken inside the command, shared with HTTP.
 */
export function commentHandlers(deps: AppDeps): EventHandler[] {
  return [handler(deps, 'comment:create', CommentCreateEvent, async ({ findingId, ...input }, ctx) => createComment(deps, ctx, findingId, input))];
}
