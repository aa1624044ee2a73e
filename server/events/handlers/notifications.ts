import type { AppServer } from '../../realtime/socket-types.js';
import type { AppDeps } from '../../context.js';
import type { DomainEvents } from '../bus.js';
import { deliverNotifications } from './notification-delivery.js';
import { notifyChatPosted } from './notification-chat.js';

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

  // "New message while away" is one unread notification per person and channel, so a busy
  // channel needs a check now and then, not one per message: a channel is checked at once when
  // it had no check for AWAY_CHECK_MS, else once that time is up, for the newest message since.
  interface Channel {
    lastStart: number;
    busy: boolean;
    next: DomainEvents['chat.posted'] | null;
    timer: NodeJS.Timeout | null;
  }
  const channels = new Map<string, Channel>();
  const later = (c: Channel) => {
    c.timer = setTimeout(
      () => {
        c.timer = null;
        const e = c.next;
        c.next = null;
        if (e) check(e).catch((err) => deps.logger.error({ err, event: 'chat.posted' }, 'event handler failed'));
      },
      Math.max(0, c.lastStart + AWAY_CHECK_MS - performance.now()),
    );
    c.timer.unref();
  };
  const check = async (e: DomainEvents['chat.posted']): Promise<void> => {
    let c = channels.get(e.clientId);
    if (!c) channels.set(e.clientId, (c = { lastStart: -Infinity, busy: false, next: null, timer: null }));
    if (c.busy || c.timer || performance.now() < c.lastStart + AWAY_CHECK_MS) {
      c.next = e;
      if (!c.busy && !c.timer) later(c);
      return;
    }
    c.busy = true;
    c.lastStart = performance.now();
    try {
      const ids = await notifyChatPosted(io, deps, e);
      if (ids.length) deps.bus.publish('notifications.created', { ids });
    } finally {
      c.busy = false;
      if (c.next) later(c);
    }
  };
  deps.bus.on('chat.posted', check);
  return {
    stop() {
      for (const c of channels.values()) if (c.timer) clearTimeout(c.timer);
      channels.clear();
    },
  };
}
