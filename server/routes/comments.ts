import { Router } from 'express';
import { shareComment } from '../commands/comments/share.js';
import { deleteComment } from '../commands/comments/delete.js';
import { listFindingComments } from '../queries/comments/list.js';
import type { AppDeps } from '../context.js';
import { CommentInput, CommentPatch, MentionableQuery } from '../contracts/comments.js';
import { parseInput } from '../validate.js';
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

  r.get('/findings/:id/comments', async (req, res) => {
    res.json({ comments: await listFindingComments(deps, commandContextOf(req), req.params.id) });
  });
  r.post('/findings/:id/comments', async (req, res) => {
    const ctx = commandContextOf(req);
    const { comment, created } = await createComment(deps, ctx, req.params.id, parseInput(CommentInput, req.body));
    res.status(created ? 201 : 200).json({ comment, created });
  });
  r.patch('/comments/:id', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json({ comment: await editComment(deps, ctx, req.params.id, parseInput(CommentPatch, req.body)) });
  });
  r.delete('/comments/:id', async (req, res) => {
    await deleteComment(deps, commandContextOf(req), req.params.id);
    res.status(204).end();
  });
  r.post('/comments/:id/share', async (req, res) => {
    res.json({ comment: await shareComment(deps, commandContextOf(req), req.params.id) });
  });
  r.get('/findings/:id/mentionable', async (req, res) => {
    const ctx = commandContextOf(req);
    const q = parseInput(MentionableQuery, req.query);
    res.json({ people: await listMentionable(deps, ctx, req.params.id, q.internal === 'true') });
  });

  return r;
}
