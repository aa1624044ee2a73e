import { Router } from 'express';
import { readNotification } from '../commands/notifications/mark-read.js';
import { readAllNotifications } from '../commands/notifications/mark-all-read.js';
import type { AppDeps } from '../context.js';
import { NotificationListQuery } from '../contracts/notifications.js';
import { parseInput } from '../validate.js';
import { commandContextOf } from '../middleware/command-context.js';
import { countUnread, listNotifications } from '../queries/notifications/inbox.js';

/** In-app notifications: list, unread count, mark read. Always the signed-in person's own. */
export function notificationsRouter(deps: AppDeps): Router {
  const r = Router();

  r.get('/notifications', async (req, res) => {
    const ctx = commandContextOf(req);
    res.json(await listNotifications(deps, ctx, parseInput(NotificationListQuery, req.query)));
  });
  r.get('/notifications/unread-count', async (req, res) => {
    res.json(await countUnread(deps, commandContextOf(req)));
  });
  r.post('/notifications/read-all', async (req, res) => {
    res.json(await readAllNotifications(deps, commandContextOf(req)));
  });
  r.post('/notifications/:id/read', async (req, res) => {
    res.json(await readNotification(deps, commandContextOf(req), req.params.id));
  });

  return r;
}
