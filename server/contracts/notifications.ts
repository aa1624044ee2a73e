import { z } from 'zod';
import type { NotificationDTO } from './realtime.js';

/** Request schemas and answers of the notifications routes (shared with the browser). */

/** The most notifications one page of the list holds. */
const NOTIFICATION_PAGE_MAX = 50;

/** GET /notifications?before=&limit= — `before`: the id of the oldest notification already shown. */
export const NotificationListQuery = z
  .object({
    before: z.coerce.number().int('must be a whole number').positive('must be positive').optional(),
    limit: z.coerce.number().int('must be a whole number').min(1, 'at least 1').max(NOTIFICATION_PAGE_MAX, `at most ${NOTIFICATION_PAGE_MAX}`).optional(),
  })
  .strict();
export type NotificationListQuery = z.infer<typeof NotificationListQuery>;

/** One page of the viewer's notifications, newest first, with the unread count and the next page's cursor. */
export interface NotificationListDTO {
  notifications: NotificationDTO[];
  unread: number;
  /** Unread chat notifications (one per channel with news): the Chat menu item's badge. */
  unreadChat: number;
  /** Pass as `before` for the next (older) page; null when there is none. */
  nextBefore: number | null;
}

/** GET /notifications/unread-count, and the answer of the mark-read routes. */
export interface UnreadCountDTO {
  unread: number;
  /** Unread chat notifications (one per channel with news): the Chat menu item's badge. */
  unreadChat: number;
}

/** The stored author list (JSON), anything malformed as none. */
export function parseAuthors(json: string): string[] {
  try {
    const v: unknown = JSON.parse(json);
    return Array.isArray(v) ? v.filter((a): a is string => typeof a === 'string') : [];
  } catch {
    return [];
  }
}
