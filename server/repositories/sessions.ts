import type { Kysely } from 'kysely';
import type { Database, SessionRow } from '../../db/schema.js';

/**
 * A person's sessions as their profile lists them. Creating, validating, ending and sweeping
 * sessions is the session infrastructure's (`server/auth/session.ts`, `server/auth/revoke.ts`).
 */

type Db = Kysely<Database>;

/** A person's unexpired sessions, most recently active first. */
export function listLiveSessions(db: Db, userId: string, now: number): Promise<SessionRow[]> {
  return db.selectFrom('sessions').selectAll().where('user_id', '=', userId).where('expires_at', '>', now).orderBy('last_active_at', 'desc').execute();
}

/** The ids of all of a person's sessions (expired ones included, until swept). */
export async function sessionIdsOf(db: Db, userId: string): Promise<string[]> {
  return (await db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()).map((s) => s.id);
}
