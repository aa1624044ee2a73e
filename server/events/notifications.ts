import type { Server } from 'socket.io';
import type { AppDeps } from '../context.js';
import { deliverNotifications } from '../commands/notification-delivery.js';
import { notifyChatPosted } from '../commands/notification-chat.js';

/**
 * After-commit side of notifications: push each new row to its user's sockets with the unread
 * count, and mail the people who are offline (per their preferences), never blocking the write.
 * Handlers run on the bus, after the change committed; a failure is logged there and never
 * reaches the request that caused it.
 */
export function registerNotifications(io: Server, deps: AppDeps): void {
  deps.bus.on('notifications.created', ({ ids }) => deliverNotifications(io, deps, ids));
  deps.bus.on('chat.posted', async (e) => {
    const ids = await notifyChatPosted(io, deps, e);
    if (ids.length) deps.bus.publish('notifications.created', { ids });
  });
}
