import { call } from './http';

type F = typeof fetch;

/** One page of my notifications, newest first (`before`: the id of the oldest one already shown). */
export const listNotifications = (query: { before?: number | null; limit?: number } = {}, fetch?: F) => call('GET /notifications', { query, fetch });

/** Mark one of mine read; answers the new unread count. */
export const markNotificationRead = (id: number) => call('POST /notifications/:id/read', { params: { id } });

/** Mark all of mine read. */
export const markAllNotificationsRead = () => call('POST /notifications/read-all');
