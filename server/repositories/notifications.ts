import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database, NotificationRow, NotificationTable, UserRow } from '../../db/schema.js';
import { reachesSql, type ClientScope } from '../policies/access.js';

type Db = Kysely<Database>;
type Person = Pick<UserRow, 'id' | 'kind' | 'client_id'> & { scope: ClientScope };
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

/**
 * Chat notifications, at most one unread per person and client: a row for someone who still has
 * an unread chat notification about that client is left out. The partial unique index
 * `notifications_chat_unread` decides (migration 2026-12-03T2100), so two messages at once cannot
 * both add one — on PostgreSQL the second insert waits for the first to commit, then skips. Returns
 * the ids of the rows really written.
 */
export async function insertChatNotifications(db: Db, rows: Omit<NewNotification, 'kind'>[]): Promise<number[]> {
  if (!rows.length) return [];
  const out = await db
    .insertInto('notifications')
    .values(rows.map((r) => ({ ...r, kind: 'chat' as const })))
    // The index's own predicate, as literals: PostgreSQL matches a partial index only by a WHERE it implies.
    .onConflict((oc) => oc.columns(['user_id', 'client_id']).where('kind', '=', sql.lit('chat')).where('read_at', 'is', null).doNothing())
    .returning('id')
    .execute();
  return out.map((r) => r.id);
}

/**
 * A person's notifications as they may see them now: those about a client they no longer reach (a
 * scoped analyst taken off a client) are kept but not shown or counted.
 */
function ownNotifications(db: Db, person: Person) {
  return db
    .selectFrom('notifications')
    .where('user_id', '=', person.id)
    .where((eb) => eb.or([eb('client_id', 'is', null), reachesSql(person, 'notifications.client_id')]));
}

/** One page of a person's notifications, newest first (ids below `before`). */
export function listUserNotifications(db: Db, person: Person, before: number | undefined, limit: number): Promise<NotificationRow[]> {
  let q = ownNotifications(db, person).selectAll();
  if (before !== undefined) q = q.where('id', '<', before);
  return q.orderBy('id', 'desc').limit(limit).execute();
}

/** How many of a person's notifications are unread. */
export async function unreadCount(db: Db, person: Person): Promise<number> {
  const r = await ownNotifications(db, person)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('read_at', 'is', null)
    .executeTakeFirst();
  return Number(r?.n ?? 0);
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
      'users.kind as user_kind',
      'users.role as user_role',
      'users.status as user_status',
      'users.email as user_email',
      'users.notify_prefs as user_prefs',
      'users.client_id as user_client_id',
    ])
    .where('notifications.id', 'in', ids)
    .orderBy('notifications.id')
    .execute();
}
export type DeliveryRow = Awaited<ReturnType<typeof loadForDelivery>>[number];
