import type { Insertable, Kysely } from 'kysely';
import type { Database, NotificationTable } from '../../db/schema.js';

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
