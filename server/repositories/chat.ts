import { sql, type Kysely } from 'kysely';
import type { AttachmentRow, ChatMessageRow, Database } from '../../db/schema.js';

/** Kysely queries of the chat channel (messages and read positions). First argument: db or trx. */

type Db = Kysely<Database>;

/** A chat message with its author's name and kind. */
export type MessageWithAuthor = ChatMessageRow & { author_name: string; author_kind: 'staff' | 'portal' };

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
  await db
    .insertInto('chat_reads')
    .values(reads.map((r) => ({ client_id: r.clientId, user_id: r.userId, last_read_id: r.id })))
    .onConflict((oc) => oc.columns(['client_id', 'user_id']).doUpdateSet({ last_read_id: sql`max(chat_reads.last_read_id, excluded.last_read_id)` }))
    .execute();
}

/** Per channel: the newest message id and the viewer's unread count (live messages by others after their read position). */
export async function channelStats(
  db: Db,
  userId: string,
  clientIds: string[] | 'all',
): Promise<Map<string, { lastId: number; unread: number; lastRead: number }>> {
  let q = db
    .selectFrom('chat_messages as m')
    .leftJoin('chat_reads as r', (j) => j.onRef('r.client_id', '=', 'm.client_id').on('r.user_id', '=', userId))
    .select((eb) => [
      'm.client_id',
      eb.fn.max('m.id').as('last_id'),
      eb.fn.coalesce(eb.fn.max('r.last_read_id'), eb.val(0)).as('last_read'),
      sql<number>`sum(case when m.id > coalesce(r.last_read_id, 0) and m.author_id <> ${userId} and m.deleted_at is null then 1 else 0 end)`.as('unread'),
    ])
    .groupBy('m.client_id');
  if (clientIds !== 'all') {
    if (!clientIds.length) return new Map();
    q = q.where('m.client_id', 'in', clientIds);
  }
  const rows = await q.execute();
  return new Map(rows.map((r) => [r.client_id, { lastId: Number(r.last_id ?? 0), unread: Number(r.unread ?? 0), lastRead: Number(r.last_read ?? 0) }]));
}

/** Chat messages by id, with their authors and attachments. */
export async function loadMessages(db: Db, ids: number[]): Promise<{ messages: Map<number, MessageWithAuthor>; attachments: Map<number, AttachmentRow[]> }> {
  if (!ids.length) return { messages: new Map(), attachments: new Map() };
  const rows = await db
    .selectFrom('chat_messages')
    .innerJoin('users', 'users.id', 'chat_messages.author_id')
    .selectAll('chat_messages')
    .select(['users.name as author_name', 'users.kind as author_kind'])
    .where('chat_messages.id', 'in', ids)
    .execute();
  const atts = await db.selectFrom('attachments').selectAll().where('message_id', 'in', ids).orderBy('created_at').execute();
  const attachments = new Map<number, AttachmentRow[]>();
  for (const a of atts) attachments.set(a.message_id!, [...(attachments.get(a.message_id!) ?? []), a]);
  return { messages: new Map(rows.map((r) => [r.id, r])), attachments };
}
