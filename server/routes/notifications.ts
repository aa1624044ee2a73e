import { serve } from './endpoint.js';
import { Router } from 'express';
import { readNotification } from '../commands/notifications/mark-read.js';
import { readAllNotifications } from '../commands/notifications/mark-all-read.js';
import type { AppDeps } from '../context.js';
import { commandContextOf } from '../middleware/command-context.js';
import { countUnread, listNotifications } from '../queries/notifications/inbox.js';

/** In-app notifications: list, unread count, mark read. Always the signed-in person's own. */
export function notificationsRouter(deps: AppDeps): Router {
  const r = Router();

  serve(r, 'GET /notifications', async ({ req, input }) => {
    const ctx = commandContextOf(req);
    return await listNotifications(deps, ctx, input());
  });
  serve(r, 'GET /notifications/unread-count', async ({ req }) => countUnread(deps, commandContextOf(req)));
  serve(r, 'POST /notifications/read-all', async ({ req }) => readAllNotifications(deps, commandContextOf(req)));
  serve(r, 'POST /notifications/:id/read', async ({ req }) => readNotification(deps, commandContextOf(req), req.params.id));

  return r;
}
