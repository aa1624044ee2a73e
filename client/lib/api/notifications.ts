import type { NotificationListDTO, UnreadCountDTO } from '$contracts/notifications';
import { api } from './http';

/** One page of my notifications, newest first (`before`: the id of the oldest one already shown). */
export function listNotifications(opts: { before?: number | null; limit?: number } = {}, f?: typeof fetch): Promise<NotificationListDTO> {
  const q = new URLSearchParams();
  if (opts.before) q.set('before', String(opts.before));
  if (opts.limit) q.set('limit', String(opts.limit));
  const qs = q.toString();
  return api<NotificationListDTO>('GET', `/notifications${qs ? `?${qs}` : ''}`, undefined, f);
}

/** Mark one of mine read; answers the new unread count. */
export const markNotificationRead = (id: number) => api<UnreadCountDTO>('POST', `/notifications/${id}/read`, {}).then((r) => r.unread);

/** Mark all of mine read. */
export const markAllNotificationsRead = () => api<UnreadCountDTO>('POST', '/notifications/read-all', {}).then((r) => r.unread);
