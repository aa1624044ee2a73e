import { sql, type Kysely } from 'kysely';
import type { AttachmentRow, ChatMessageRow, Database } from '../../db/schema.js';
import { greatest } from '../../db/dialect.js';

/** Kysely queries of the chat channel (messages and read positions). First argument: db or trx. */

type Db = Kysely<Database>;

/** A chat message with its author's name and kind. */
/** A chat message with its author's name, kind and (a client user's) organisation. */
export type MessageWithAuthor = ChatMessageRow & { author_name: string; author_kind: 'staff' | 'portal'; author_org: string | null };

/** The client fields the channel needs (existence, name, the state access reads, visibility). */
export function findChatClient(db: Db, clientId: string) {
  return db
    .selectFrom('clients')
    .select(['id', 'name', 'modules', 'visible_fields', 'portal_enabled', 'archived_at'])
    .where('id', '=', clientId)
    .executeTakeFirst();
}

export function findMessage(db: Db, id: number): Promise<ChatMessageRow | undefined> {
  return db.selectFrom('chat_messages').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The author's message with this browser-chosen id (the idempotency key), if any. */
export function findByClientMessageId(db: Db, authorId: string, clientMessageId: string): Promise<ChatMessageRow | undefined> {
  return db.selectFrom('chat_messages').selectAll().where('author_id', '=', authorId).where('client_message_id', '=', clientMessageId).executeTakeFirst();
}

/**
 * Insert messages in the order given (ids ascend in that order); a message whose
 * (author, clientMessageId) already exists is skipped. Returns the rows made (in no particular order).
 */
export function insertMessages(db: Db, rows: Omit<ChatMessageRow, 'id'>[]) {
  return db
    .insertInto('chat_messages')
    .values(rows)
    .onConflict((oc) => oc.columns(['author_id', 'client_message_id']).doNothing())
    .returning(['id', 'author_id', 'client_message_id'])
    .execute();
}

/** Ids of one page of a channel's history, newest first (`limit + 1` rows tell whether there is more). */
export async function messageIdsPage(db: Db, clientId: string, before: number | undefined, limit: number): Promise<number[]> {
  let q = db.selectFrom('chat_messages').select('id').where('client_id', '=', clientId);
  if (before !== undefined) q = q.where('id', '<', before);
  return (await q.orderBy('id', 'desc').limit(limit).execute()).map((r) => r.id);
}

/** The newest message id of a channel (0 when empty). */
export async function newestMessageId(db: Db, clientId: string): Promise<number> {
  const r = await db
    .selectFrom('chat_messages')
    .select((eb) => eb.fn.max('id').as('m'))
    .where('client_id', '=', clientId)
    .executeTakeFirst();
  return Number(r?.m ?? 0);
}

/** The viewer's read position in a channel (0 = nothing read). */
export async function readPosition(db: Db, clientId: string, userId: string): Promise<number> {
  const r = await db.selectFrom('chat_reads').select('last_read_id').where('client_id', '=', clientId).where('user_id', '=', userId).executeTakeFirst();
  return r?.last_read_id ?? 0;
}

/** Move a read position forward to `id` (never back); returns the position now stored. */
export async function advanceRead(db: Db, clientId: string, userId: string, id: number): Promise<number> {
  await moveReadsForward(db, [{ clientId, userId, id }]);
  return readPosition(db, clientId, userId);
}

/** Move read positions forward (never back), without reading them back. */
export async function moveReadsForward(db: Db, reads: { clientId: string; userId: string; id: number }[]): Promise<void> {
  if (!reads.length) return;
  // One row per person and channel, the furthest: PostgreSQL refuses an upsert that would update
  // one row twice (a batch with two messages of one author in one channel), SQLite does not.
  const furthest = new Map<string, { client_id: string; user_id: string; last_read_id: number }>();
  for (const r of reads) {
    const key = `${r.clientId} ${r.userId}`;
    if ((furthest.get(key)?.last_read_id ?? -1) < r.id) furthest.set(key, { client_id: r.clientId, user_id: r.userId, last_read_id: r.id });
  }
  await db
    .insertInto('chat_reads')
    .values([...furthest.values()])
    .onConflict((oc) =>
      oc
        .columns(['client_id', 'user_id'])
        .doUpdateSet({ last_read_id: greatest(db, sql.ref<number>('chat_reads.last_read_id'), sql.ref<number>('excluded.last_read_id')) }),
    )
    .execute();
}

/** Unread counts stop at this: the badge says "99+" beyond 99, and counting further would read a whole busy channel. */
const UNREAD_CAP = 100;

/**
 * Per channel: the newest message id, the viewer's read position and unread count (live messages
 * by others after that position, up to UNREAD_CAP). Each figure is one probe of the channel's
 * (client_id, id) index, never a pass over its history: a firm's busiest channel has years of it.
 */
export async function channelStats(
  db: Db,
  userId: string,
  clientIds: string[] | 'all',
): Promise<Map<string, { lastId: number; unread: number; lastRead: number }>> {
  if (clientIds !== 'all' && !clientIds.length) return new Map();
  const read = sql<number>`coalesce(r.last_read_id, 0)`;
  let q = db
    .selectFrom('clients as c')
    .leftJoin('chat_reads as r', (j) => j.onRef('r.client_id', '=', 'c.id').on('r.user_id', '=', userId))
    .select([
      'c.id as client_id',
      sql<number | null>`(select max(m.id) from chat_messages as m where m.client_id = c.id)`.as('last_id'),
      read.as('last_read'),
      // Counted up to UNREAD_CAP: the count reads no further than that many rows. (Capping with the
      // id of the 100th unread message instead re-ran that lookup for every message counted: 20 of
      // the staff chat list's 28 ms on the five-year firm.)
      sql<number>`(select count(*) from (select 1 from chat_messages as m where m.client_id = c.id and m.id > ${read} and m.author_id <> ${userId} and m.deleted_at is null limit ${UNREAD_CAP}) as capped)`.as(
        'unread',
      ),
    ]);
  if (clientIds !== 'all') q = q.where('c.id', 'in', clientIds);
  const rows = await q.execute();
  return new Map(
    rows.filter((r) => r.last_id != null).map((r) => [r.client_id, { lastId: Number(r.last_id), unread: Number(r.unread), lastRead: Number(r.last_read) }]),
  );
}

/** Chat messages by id, with their authors and attachments. */
export async function loadMessages(db: Db, ids: number[]): Promise<{ messages: Map<number, MessageWithAuthor>; attachments: Map<number, AttachmentRow[]> }> {
  if (!ids.length) return { messages: new Map(), attachments: new Map() };
  const rows = await db
    .selectFrom('chat_messages')
    .innerJoin('users', 'users.id', 'chat_messages.author_id')
    .leftJoin('clients as ac', 'ac.id', 'users.client_id')
    .selectAll('chat_messages')
    .select(['users.name as author_name', 'users.kind as author_kind', 'ac.name as author_org'])
    .where('chat_messages.id', 'in', ids)
    .execute();
  const atts = await db.selectFrom('attachments').selectAll().where('message_id', 'in', ids).orderBy('created_at').execute();
  const attachments = new Map<number, AttachmentRow[]>();
  for (const a of atts) attachments.set(a.message_id!, [...(attachments.get(a.message_id!) ?? []), a]);
  return { messages: new Map(rows.map((r) => [r.id, r])), attachments };
}
