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

/**
 * Count one request in a fixed window of `windowMs` that opens at the first request, and refuse
 * beyond `perWindow`; returns the key's `blocked_until` (later than `now`: this request is
 * refused). One upsert decides from the row it locks, so parallel requests are counted one after
 * the other (a read, then a write, let them all see the same count). The row: `updated_at` is
 * where the window opened, `failures` the requests allowed in it, `blocked_until` the window's
 * end once a request was refused.
 */
export async function countInWindow(db: Db, key: string, now: number, perWindow: number, windowMs: number): Promise<number> {
  const row = sql.ref<number>('auth_throttle.updated_at');
  const count = sql.ref<number>('auth_throttle.failures');
  const fresh = sql<boolean>`${row} <= ${now - windowMs}`;
  const full = sql<boolean>`(not ${fresh} and ${count} >= ${perWindow})`;
  const { blocked_until } = await db
    .insertInto('auth_throttle')
    .values({ key, failures: 1, blocked_until: 0, updated_at: now })
    .onConflict((oc) =>
      oc.column('key').doUpdateSet({
        failures: sql<number>`case when ${fresh} then 1 when ${full} then ${count} else ${count} + 1 end`,
        updated_at: sql<number>`case when ${fresh} then ${now} else ${row} end`,
        blocked_until: sql<number>`case when ${full} then ${row} + ${windowMs} else 0 end`,
      }),
    )
    .returning('blocked_until')
    .executeTakeFirstOrThrow();
  return blocked_until;
}

/** Block a key until a time. */
export async function blockThrottle(db: Db, key: string, until: number): Promise<void> {
  await db.updateTable('auth_throttle').set({ blocked_until: until }).where('key', '=', key).execute();
}

/** Forget a key. */
export async function deleteThrottle(db: Db, key: string): Promise<void> {
  await db.deleteFrom('auth_throttle').where('key', '=', key).execute();
}
