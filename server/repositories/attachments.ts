import type { Kysely } from 'kysely';
import type { AttachmentRow, Database } from '../../db/schema.js';

/** Kysely queries of attachments (chat files and remediation evidence). First argument: db or trx. */

type Db = Kysely<Database>;

export async function insertAttachment(db: Db, row: AttachmentRow): Promise<void> {
  await db.insertInto('attachments').values(row).execute();
}

export function findAttachment(db: Db, id: string): Promise<AttachmentRow | undefined> {
  return db.selectFrom('attachments').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Attach pending attachments to a chat message: only the uploader's own, of this client, for the
 * chat, not yet attached to anything. Returns how many were attached (the caller refuses the whole
 * send when that is not every id asked for).
 */
export async function attachToMessage(db: Db, ids: string[], o: { uploaderId: string; clientId: string; messageId: number }): Promise<number> {
  if (!ids.length) return 0;
  const res = await db
    .updateTable('attachments')
    .set({ message_id: o.messageId })
    .where('id', 'in', ids)
    .where('uploader_id', '=', o.uploaderId)
    .where('client_id', '=', o.clientId)
    .where('purpose', '=', 'chat')
    .where('message_id', 'is', null)
    .where('round_id', 'is', null)
    .executeTakeFirst();
  return Number(res.numUpdatedRows);
}

/** The attachments of one message. */
export function attachmentsOfMessage(db: Db, messageId: number): Promise<AttachmentRow[]> {
  return db.selectFrom('attachments').selectAll().where('message_id', '=', messageId).orderBy('created_at').execute();
}
