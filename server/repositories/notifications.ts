import { sql, type Insertable, type Kysely } from 'kysely';
import type { Database, NotificationRow, NotificationTable, UserRow } from '../../db/schema.js';
import { reachesSql, type ClientScope } from '../policies/access.js';
import { parseAuthors } from '../contracts/notifications.js';

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

/** What a coalescing row adds to its person's unread item: how many events, by whom (newest first). */
export interface Coalesce {
  count: number;
  authors: string[];
  /** The item's text for its new count and authors. */
  text: (count: number, authors: string[]) => string;
}
/** An item names at most this many of its latest authors. */
const AUTHORS_KEPT = 3;

/** The most rows (or people) one statement names (well inside either database's limit on parameters). */
const CHUNK = 500;

/**
 * Rows that coalesce: `reply` (one unread per person and finding) and `chat` (one unread per
 * person and client). While a person's item is unread, a new one updates it — count, latest
 * authors, text, time — instead of adding a row, and it is mailable again (`emailed_at` cleared).
 * The partial unique indexes `notifications_reply_unread` and `notifications_chat_unread` decide,
 * so two at once cannot add two rows; the count is added in SQL (exact on PostgreSQL too), the
 * author list is merged from a read just before (under a race it may miss one name). One read and
 * one statement for all the rows (each person once), in the caller's transaction: a chat check
 * tells a whole channel with one commit. Returns the ids written or updated (publish
 * `notifications.created` with them).
 */
export async function upsertCoalesced(db: Db, kind: 'reply' | 'chat', rows: (Omit<NewNotification, 'kind' | 'text'> & { add: Coalesce })[]): Promise<number[]> {
  const key = kind === 'reply' ? 'finding_id' : 'client_id';
  const keyOf = (r: Omit<NewNotification, 'kind' | 'text'>) => (kind === 'reply' ? r.finding_id : r.client_id) ?? null;
  const keyed = rows.filter((r) => keyOf(r) !== null);
  if (new Set(keyed.map((r) => `${r.user_id} ${keyOf(r)}`)).size !== keyed.length) throw new Error('Each person may have one coalescing row per call.');
  const ids: number[] = [];
  for (let i = 0; i < keyed.length; i += CHUNK) {
    const chunk = keyed.slice(i, i + CHUNK);
    const had = await db
      .selectFrom('notifications')
      .select(['user_id', key, 'count', 'authors'])
      .where('user_id', 'in', [...new Set(chunk.map((r) => r.user_id))])
      .where(key, 'in', [...new Set(chunk.map((r) => keyOf(r)!))])
      .where('kind', '=', kind)
      .where('read_at', 'is', null)
      .execute();
    const unread = new Map(had.map((h) => [`${h.user_id} ${h[key]}`, h]));
    const values = chunk.map(({ add, ...r }) => {
      const before = unread.get(`${r.user_id} ${keyOf(r)}`);
      const authors = [...new Set([...add.authors, ...(before ? parseAuthors(before.authors) : [])])].slice(0, AUTHORS_KEPT);
      return { ...r, kind, text: add.text((before?.count ?? 0) + add.count, authors), count: add.count, authors: JSON.stringify(authors) };
    });
    const out = await db
      .insertInto('notifications')
      .values(values)
      // The index's own predicate, as literals: PostgreSQL matches a partial index only by a WHERE it implies.
      .onConflict((oc) =>
        oc
          .columns(['user_id', key])
          .where('kind', '=', sql.lit(kind))
          .where('read_at', 'is', null)
          .doUpdateSet((eb) => ({
            count: sql<number>`notifications.count + ${eb.ref('excluded.count')}`,
            authors: eb.ref('excluded.authors'),
            text: eb.ref('excluded.text'),
            actor_id: eb.ref('excluded.actor_id'),
            created_at: eb.ref('excluded.created_at'),
            emailed_at: null,
          })),
      )
      .returning('id')
      .execute();
    ids.push(...out.map((r) => r.id));
  }
  return ids;
}

/**
 * The notifications of people who reach the same clients, as they may see them now: those about a
 * client they no longer reach (a scoped analyst taken off a client) are kept but not shown or counted.
 */
function ownNotifications(db: Db, people: [Person, ...Person[]]) {
  return db
    .selectFrom('notifications')
    .where(
      'user_id',
      'in',
      people.map((p) => p.id),
    )
    .where((eb) => eb.or([eb('client_id', 'is', null), reachesSql(people[0], 'notifications.client_id')]));
}

/** The organisation of each acting client user among `actorIds` (staff act for the firm: not listed). */
export async function actorOrgs(db: Db, actorIds: (string | null)[]): Promise<Map<string, string>> {
  const ids = [...new Set(actorIds.filter((id): id is string => !!id))];
  if (!ids.length) return new Map();
  const rows = await db
    .selectFrom('users')
    .innerJoin('clients', 'clients.id', 'users.client_id')
    .select(['users.id', 'clients.name'])
    .where('users.id', 'in', ids)
    .execute();
  return new Map(rows.map((r) => [r.id, r.name]));
}

/** One page of a person's notifications, newest first (ids below `before`). */
export function listUserNotifications(db: Db, person: Person, before: number | undefined, limit: number): Promise<NotificationRow[]> {
  let q = ownNotifications(db, [person]).selectAll();
  if (before !== undefined) q = q.where('id', '<', before);
  return q.orderBy('id', 'desc').limit(limit).execute();
}

/** How many of a person's notifications are unread: all of them (the bell) and the chat ones (the Chat menu item's badge: channels with news). */
export type UnreadCounts = { unread: number; unreadChat: number };

/** One person's unread counts (see `unreadCountsOf`). */
export async function unreadCounts(db: Db, person: Person): Promise<UnreadCounts> {
  return (await unreadCountsOf(db, [person])).get(person.id)!;
}

/**
 * The unread counts of several people, by id: one grouped query for each set of people who reach
 * the same clients (a channel's portal users are one set, the staff who see every client another).
 */
export async function unreadCountsOf(db: Db, people: Person[]): Promise<Map<string, UnreadCounts>> {
  const counts = new Map(people.map((p): [string, UnreadCounts] => [p.id, { unread: 0, unreadChat: 0 }]));
  const reachAlike = new Map<string, [Person, ...Person[]]>();
  for (const p of people) {
    const key = p.kind === 'staff' ? `staff ${JSON.stringify(p.scope)}` : `portal ${p.client_id}`;
    const alike = reachAlike.get(key);
    if (alike) alike.push(p);
    else reachAlike.set(key, [p]);
  }
  for (const alike of reachAlike.values())
    for (let i = 0; i < alike.length; i += CHUNK) {
      const rows = await ownNotifications(db, alike.slice(i, i + CHUNK) as [Person, ...Person[]])
        .select((eb) => ['user_id', eb.fn.countAll<number>().as('n'), eb.fn.sum<number>(eb.case().when('kind', '=', 'chat').then(1).else(0).end()).as('chat')])
        .where('read_at', 'is', null)
        .groupBy('user_id')
        .execute();
      for (const r of rows) counts.set(r.user_id, { unread: Number(r.n), unreadChat: Number(r.chat ?? 0) });
    }
  return counts;
}

/** Mark the user's unread notifications about one finding or chat channel read (they have it open); returns how many changed. */
export async function markReadAbout(db: Db, userId: string, about: { findingId: string } | { chatClientId: string }, now: number): Promise<number> {
  let q = db.updateTable('notifications').set({ read_at: now }).where('user_id', '=', userId).where('read_at', 'is', null);
  q = 'findingId' in about ? q.where('finding_id', '=', about.findingId) : q.where('kind', '=', 'chat').where('client_id', '=', about.chatClientId);
  return Number((await q.executeTakeFirst()).numUpdatedRows);
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

/**
 * The text of a coalesced item: "3 new comments from Ann and Bob", "12 new messages from Ann, Bob
 * and Cy" (the latest authors, newest first, at most three).
 */
export function whoAndHowMany(authors: string[], count: number, noun: string): string {
  const names = authors.map((a) => a.replace(/\s+/g, ' ').trim().slice(0, 40));
  const who = names.length <= 1 ? (names[0] ?? 'several people') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;
  return `${count} ${noun}${count === 1 ? '' : 's'} from ${who}`;
}
