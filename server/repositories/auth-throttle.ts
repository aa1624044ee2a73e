import { sql, type Kysely, type Selectable } from 'kysely';
import type { AuthThrottleTable, Database } from '../../db/schema.js';

/**
 * Per-account throttling rows (`login:<email>`, `totp:<userId>`, `password:<userId>`,
 * `reset:<email>`), in the database so they hold across instances. The back-off and window rules
 * are `server/auth/rate-limit.ts` and `server/auth/password-reset.ts`.
 */

type Db = Kysely<Database>;
export type ThrottleRow = Selectable<AuthThrottleTable>;

/** A key's row, or undefined. */
export function findThrottle(db: Db, key: string): Promise<ThrottleRow | undefined> {
  return db.selectFrom('auth_throttle').selectAll().where('key', '=', key).executeTakeFirst();
}

/**
 * Count one failure for a key (the first creates its row); returns the failures so far. One
 * statement: a success resetting the key at the same moment (another request, on PostgreSQL)
 * can't make the count unreadable between a write and a read.
 */
export async function countThrottleFailure(db: Db, key: string, now: number): Promise<number> {
  const { failures } = await db
    .insertInto('auth_throttle')
    .values({ key, failures: 1, blocked_until: 0, updated_at: now })
    .onConflict((oc) => oc.column('key').doUpdateSet({ failures: sql`${sql.ref('auth_throttle.failures')} + 1`, updated_at: now }))
    .returning('failures')
    .executeTakeFirstOrThrow();
  return failures;
}

/** Block a key until a time. */
export async function blockThrottle(db: Db, key: string, until: number): Promise<void> {
  await db.updateTable('auth_throttle').set({ blocked_until: until }).where('key', '=', key).execute();
}

/** Write a key's row as given (created or replaced). */
export async function putThrottle(db: Db, row: ThrottleRow): Promise<void> {
  const { key, failures, blocked_until, updated_at } = row;
  await db
    .insertInto('auth_throttle')
    .values({ key, failures, blocked_until, updated_at })
    .onConflict((oc) => oc.column('key').doUpdateSet({ failures, blocked_until, updated_at }))
    .execute();
}

/** Forget a key. */
export async function deleteThrottle(db: Db, key: string): Promise<void> {
  await db.deleteFrom('auth_throttle').where('key', '=', key).execute();
}
