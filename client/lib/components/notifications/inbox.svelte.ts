import type { NotificationDTO, NotificationPushed } from '$contracts/realtime';
import { listNotifications, markAllNotificationsRead, markNotificationRead } from '$lib/api/notifications';
import { live } from '$lib/realtime/live.svelte';

/** How many notifications the bell's list shows. */
const BELL_SIZE = 8;

/**
 * The signed-in person's notifications as the bell shows them: the unread count and the latest
 * few, kept current by `notification:created` pushes. After every (re)connection it reloads from
 * the server, so a notification that arrived while this tab was offline shows too.
 */
class Inbox {
  unread = $state(0);
  /** Unread chat notifications (one per channel with news): the Chat menu item's badge. */
  unreadChat = $state(0);
  latest = $state<NotificationDTO[]>([]);
  /** False until the first answer (the bell shows "Loading…"). */
  loaded = $state(false);
  error = $state<string | null>(null);
  private userId: string | null = null;
  private wired = false;
  private pushListeners = new Set<(p: NotificationPushed) => void>();

  /** Start for this person (idempotent per person; a different person starts from nothing). */
  start(userId: string): void {
    if (this.userId !== userId) {
      this.userId = userId;
      this.unread = this.unreadChat = 0;
      this.latest = [];
      this.loaded = false;
      if (this.wired) void this.refresh();
    }
    if (this.wired) return;
    this.wired = true;
    live.onPush('notification:created', (p) => {
      this.unread = p.unread;
      this.unreadChat = p.unreadChat;
      this.latest = [p.notification, ...this.latest.filter((n) => n.id !== p.notification.id)].slice(0, BELL_SIZE);
      this.pushListeners.forEach((f) => f(p));
    });
    // Read elsewhere (another tab, the chat page): the counts follow.
    live.onPush('notifications:counted', (c) => {
      this.unread = c.unread;
      this.unreadChat = c.unreadChat;
      if (c.unread === 0) this.latest = this.latest.map((n) => ({ ...n, read: true }));
    });
    // Runs now when already live, and after every reconnection (missed notifications show).
    live.onLive(() => void this.refresh());
    void this.refresh();
  }

  /** Listen to new notifications as they arrive (the notifications page prepends them). */
  onNew(fn: (p: NotificationPushed) => void): () => void {
    this.pushListeners.add(fn);
    return () => this.pushListeners.delete(fn);
  }

  /** Reload the count and the latest few. */
  async refresh(): Promise<void> {
    try {
      const page = await listNotifications({ limit: BELL_SIZE });
      this.latest = page.notifications;
      this.unread = page.unread;
      this.unreadChat = page.unreadChat;
      this.error = null;
    } catch {
      this.error = 'Notifications could not be loaded.';
    } finally {
      this.loaded = true;
    }
  }

  /** Mark one read (shown at once; the server's count follows). */
  async markRead(id: number): Promise<void> {
    const was = this.latest.find((n) => n.id === id);
    if (was && !was.read) this.unread = Math.max(0, this.unread - 1);
    this.latest = this.latest.map((n) => (n.id === id ? { ...n, read: true } : n));
    try {
      const counts = await markNotificationRead(id);
      this.unread = counts.unread;
      this.unreadChat = counts.unreadChat;
    } catch {
      /* the next refresh shows the truth */
    }
  }

  /** Mark every one read. */
  async markAllRead(): Promise<void> {
    this.latest = this.latest.map((n) => ({ ...n, read: true }));
    this.unread = this.unreadChat = 0;
    const counts = await markAllNotificationsRead();
    this.unread = counts.unread;
    this.unreadChat = counts.unreadChat;
  }
}

/** The bell's state, one per tab (both bells of the shell — top bar and menu — share it). */
export const inbox = new Inbox();
