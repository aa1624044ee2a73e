import type { AppServer } from '../../realtime/socket-types.js';
import type { AppDeps } from '../../context.js';
import type { DomainEvents } from '../bus.js';
import { deliverNotifications } from './notification-delivery.js';
import { notifyChatPosted } from './notification-chat.js';

/**
 * After-commit side of notifications: push each new row to its user's sockets with the unread
 * count, and mail the people who are offline (per their preferences), never blocking the write.
 * Handlers run on the bus, after the change committed; a failure is logged there and never
 * reaches the request that caused it.
 */
export function registerNotifications(io: AppServer, deps: AppDeps): void {
  deps.bus.on('notifications.created', ({ ids }) => deliverNotifications(io, deps, ids));

  // "New message while away" is one unread notification per person and channel, so a busy
  // channel needs one check at a time, not one per message: while a check runs, later messages
  // of that channel collapse into one more check for the newest of them.
  const waiting = new Map<string, DomainEvents['chat.posted'] | null>();
  const check = async (e: DomainEvents['chat.posted']): Promise<void> => {
    if (waiting.has(e.clientId)) {
      waiting.set(e.clientId, e);
      return;
    }
    waiting.set(e.clientId, null);
    try {
      const ids = await notifyChatPosted(io, deps, e);
      if (ids.length) deps.bus.publish('notifications.created', { ids });
    } finally {
      const next = waiting.get(e.clientId);
      waiting.delete(e.clientId);
      if (next) await check(next);
    }
  };
  deps.bus.on('chat.posted', check);
}
