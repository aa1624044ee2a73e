import { serve } from './endpoint.js';
import { Router } from 'express';
import { shareComment } from '../commands/comments/share.js';
import { deleteComment } from '../commands/comments/delete.js';
import { listFindingComments } from '../queries/comments/list.js';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { createComment } from '../commands/comments/create.js';
import { editComment } from '../commands/comments/edit.js';
import { listMentionable } from '../queries/comments/mentionable.js';

/**
 * Comments on findings: the thread, create (201, or 200 for a replayed client message id),
 * edit/delete your own, share an internal note, and the people one may mention.
 */
export function commentsRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /findings/:id/comments', async ({ req, input }) => listFindingComments(deps, commandContextOf(req), req.params.id, input()));
  serve(r, 'POST /findings/:id/comments', async ({ req, res, input }) => {
    const ctx = commandContextOf(req);
    const { comment, created } = await createComment(deps, ctx, req.params.id, input());
    if (!created) res.status(200);
    return { comment, created };
  });
  serve(r, 'PATCH /comments/:id', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return { comment: await editComment(deps, ctx, req.params.id, input()) };
  });
  serve(r, 'DELETE /comments/:id', async ({ req }) => {
    await deleteComment(deps, commandContextOf(req), req.params.id);
  });
  serve(r, 'POST /comments/:id/share', async ({ req }) => ({ comment: await shareComment(deps, commandContextOf(req), req.params.id) }));
  serve(r, 'GET /findings/:id/mentionable', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    const q = input();
    return { people: await listMentionable(deps, ctx, req.params.id, q.internal === 'true') };
  });

  return r;
}
