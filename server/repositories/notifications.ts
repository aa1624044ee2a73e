import type { Insertable, Kysely } from 'kysely';
import type { Database, NotificationRow, NotificationTable } from '../../db/schema.js';

type Db = Kysely<Database>;
export type NewNotification = Omit<Insertable<NotificationTable>, 'id' | 'read_at' | 'emailed_at'>;

/**
 * Write notification rows inside the transaction of the change they announce (a mention is
 * stored with its comment, or not at all). Returns their ids: publish `notifications.created`
 * with them after commit.
 */
export async function insertNotifications(trx: Db, rows: NewNotification[]): Promise<number[]> {
  if (!rows.length) return [];
  const out = await trx.insertInto('notifications').values(rows).returning('id').execute();
  return out.map((r) => r.id);
}

/** One page of a user's notifications, newest first (`before` = an id: only older ones). */
export function listUserNotifications(db: Db, userId: string, before: number | undefined, limit: number): Promise<NotificationRow[]> {
  let q = db.selectFrom('notifications').selectAll().where('user_id', '=', userId);
  if (before !== undefined) q = q.where('id', '<', before);
  return q.orderBy('id', 'desc').limit(limit).execute();
}

/** How many of a user's notifications are unread. */
export async function unreadCount(db: Db, userId: string): Promise<number> {
  const r = await db.selectFrom('notifications').select((eb) => eb.fn.countAll<number>().as('n')).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirst();
  return Number(r?.n ?? 0);
}

/** Unread counts of several users at once. */
export async function unreadCounts(db: Db, userIds: string[]): Promise<Map<string, number>> {
  if (!userIds.length) return new Map();
  const rows = await db
    .selectFrom('notifications')
    .select(['user_id', (eb) => eb.fn.countAll<number>().as('n')])
    .where('user_id', 'in', userIds)
    .where('read_at', 'is', null)
    .groupBy('user_id')
    .execute();
  return new Map(rows.map((r) => [r.user_id, Number(r.n)]));
}

/** Mark one of the user's own notifications read; false when it is not theirs (or does not exist). */
export async function markRead(db: Db, userId: string, id: number, now: number): Promise<boolean> {
  const own = await db.selectFrom('notifications').select('id').where('id', '=', id).where('user_id', '=', userId).executeTakeFirst();
  if (!own) return false;
  await db.updateTable('notifications').set({ read_at: now }).where('id', '=', id).where('user_id', '=', userId).where('read_at', 'is', null).execute();
  return true;
}

/** Mark every unread notification of the user read; returns how many changed. */
export async function markAllRead(db: Db, userId: string, now: number): Promise<number> {
  const r = await db.updateTable('notifications').set({ read_at: now }).where('user_id', '=', userId).where('read_at', 'is', null).executeTakeFirst();
  return Number(r.numUpdatedRows);
}

/** Notification rows by id, with what the after-commit side needs to re-check their recipient. */
export function loadForDelivery(db: Db, ids: number[]) {
  return db
    .selectFrom('notifications')
    .innerJoin('users', 'users.id', 'notifications.user_id')
    .selectAll('notifications')
    .select([
      'users.kind as user_kind', 'users.status as user_status', 'users.email as user_email', 'users.notify_prefs as user_prefs', 'users.client_id as user_client_id',
    ])
    .where('notifications.id', 'in', ids)
    .orderBy('notifications.id')
    .execute();
}
export type DeliveryRow = Awaited<ReturnType<typeof loadForDelivery>>[number];

/** Whether the user already has an unread chat notification for this client's channel. */
export async function hasUnreadChat(db: Db, userId: string, clientId: string): Promise<boolean> {
  const r = await db.selectFrom('notifications').select('id').where('user_id', '=', userId).where('client_id', '=', clientId).where('kind', '=', 'chat').where('read_at', 'is', null).executeTakeFirst();
  return !!r;
}
