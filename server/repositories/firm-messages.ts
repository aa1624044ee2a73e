import { sql, type Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { dialectOf } from '../../db/client.js';

/**
 * The firm's stored portal messages (`firm_messages`: one row per message the firm wrote). A key
 * without a row shows its default; which keys exist and what the defaults say is server/messages.ts.
 */

type Db = Kysely<Database>;

/** Every stored message, by key. */
export async function storedMessages(db: Db): Promise<Map<string, string>> {
  const rows = await db.selectFrom('firm_messages').select(['key', 'body']).execute();
  return new Map(rows.map((r) => [r.key, r.body]));
}

/**
 * Before a read-modify-write of the messages: two admins saving at once write one after the
 * other, so each audit row's "before" is what the other left. SQLite runs one writer at a time;
 * PostgreSQL locks the firm's one row until the transaction ends.
 */
export async function lockMessages(trx: Db): Promise<void> {
  if (dialectOf(trx) !== 'postgres') return;
  await sql`select id from firm where id = 1 for no key update`.execute(trx);
}

/** Store `body` as the message `key` (null: delete the row, back to the default). */
export async function saveMessage(trx: Db, key: string, body: string | null, now: number): Promise<void> {
  if (body === null) {
    await trx.deleteFrom('firm_messages').where('key', '=', key).execute();
    return;
  }
  await trx
    .insertInto('firm_messages')
    .values({ key, body, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ body, updated_at: now }))
    .execute();
}
