import type { AppServer } from '../../realtime/socket-types.js';
import type { AppDeps } from '../../context.js';
import type { DomainEvents } from '../bus.js';
import { deliverNotifications, pushCounts } from './notification-delivery.js';
import { notifyChatPosted, type ChatBatch } from './notification-chat.js';
import { firmAdmins } from '../../commands/notifications/recipients.js';
import { rooms } from '../../realtime/rooms.js';

/** The shortest time between two "new message while away" checks of one chat channel. */
const AWAY_CHECK_MS = 1000;

/**
 * After-commit side of notifications: push each new row to its user's sockets with the unread
 * count, and mail the people who are offline (per their preferences), never blocking the write.
 * Handlers run on the bus, after the change committed; a failure is logged there and never
 * reaches the request that caused it.
 */
export function registerNotifications(io: AppServer, deps: AppDeps): { stop(): void } {
  deps.bus.on('notifications.created', ({ ids }) => deliverNotifications(io, deps, ids));
  deps.bus.on('notifications.read', ({ userId }) => pushCounts(io, deps, userId));
  // The Outbox page is live: the firm's admins (who may read it) are told it changed; the push carries nothing.
  deps.bus.on('outbox.changed', async () => {
    const admins = await firmAdmins(deps.db);
    if (admins.length) io.to(admins.map((a) => rooms.user(a.id))).emit('outbox:changed', {});
  });

  // "New message while away" is one unread notification per person and channel, so a busy
  // channel needs a check now and then, not one per message: a channel is checked at once when
  // it had no check for AWAY_CHECK_MS, else once that time is up, for the newest message since.
  interface Channel {
    lastStart: number;
    busy: boolean;
    next: DomainEvents['chat.posted'] | null;
    /** The messages not yet counted into a notification. */
    batch: ChatBatch;
    timer: NodeJS.Timeout | null;
  }
  const channels = new Map<string, Channel>();
  const later = (c: Channel) => {
    c.timer = setTimeout(
      () => {
        c.timer = null;
        const e = c.next;
        c.next = null;
        if (e) check(e, false).catch((err) => deps.logger.error({ err, event: 'chat.posted' }, 'event handler failed'));
      },
      Math.max(0, c.lastStart + AWAY_CHECK_MS - performance.now()),
    );
    c.timer.unref();
  };
  const check = async (e: DomainEvents['chat.posted'], fresh = true): Promise<void> => {
    let c = channels.get(e.clientId);
    if (!c) channels.set(e.clientId, (c = { lastStart: -Infinity, busy: false, next: null, batch: { count: 0, authorIds: [] }, timer: null }));
    if (fresh) {
      c.batch.count++;
      c.batch.authorIds.push(e.authorId);
      if (c.batch.authorIds.length > 20) c.batch.authorIds.shift();
    }
    if (c.busy || c.timer || performance.now() < c.lastStart + AWAY_CHECK_MS) {
      c.next = e;
      if (!c.busy && !c.timer) later(c);
      return;
    }
    c.busy = true;
    c.lastStart = performance.now();
    const batch = c.batch;
    c.batch = { count: 0, authorIds: [] };
    try {
      const ids = await notifyChatPosted(io, deps, e, batch);
      if (ids.length) deps.bus.publish('notifications.created', { ids });
    } finally {
      c.busy = false;
      if (c.next) later(c);
    }
  };
  deps.bus.on('chat.posted', (e) => check(e));
  return {
    stop() {
      for (const c of channels.values()) if (c.timer) clearTimeout(c.timer);
      channels.clear();
    },
  };
}
