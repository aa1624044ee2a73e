import type { Kysely } from 'kysely';
import type { Database, SessionRow } from '../../db/schema.js';

/**
 * Session rows. What a token is, how it is checked and when a session expires is the session
 * infrastructure's (`server/auth/session.ts`); ending sessions also tells their sockets
 * (`server/auth/revoke.ts`), which keeps its client-wide end and the expiry sweep.
 */

type Db = Kysely<Database>;

/** Store a new session. */
export async function insertSession(db: Db, session: SessionRow): Promise<void> {
  await db.insertInto('sessions').values(session).execute();
}

/** A session by id, or undefined. */
export function findSession(db: Db, sessionId: string): Promise<SessionRow | undefined> {
  return db.selectFrom('sessions').selectAll().where('id', '=', sessionId).executeTakeFirst();
}

/** Record activity on a session (moves its idle clock). */
export async function touchSession(db: Db, sessionId: string, now: number): Promise<void> {
  await db.updateTable('sessions').set({ last_active_at: now }).where('id', '=', sessionId).execute();
}

/** Delete one session. */
export async function deleteSessionRow(db: Db, sessionId: string): Promise<void> {
  await db.deleteFrom('sessions').where('id', '=', sessionId).execute();
}

/** Delete the given sessions; returns the ids that existed. */
export async function deleteSessionRows(db: Db, sessionIds: string[]): Promise<string[]> {
  const rows = await db.deleteFrom('sessions').where('id', 'in', sessionIds).returning('id').execute();
  return rows.map((r) => r.id);
}

/** Delete every session of a user, or every other one when `exceptSessionId` is given; returns the ended ids. */
export async function deleteUserSessionRows(db: Db, userId: string, exceptSessionId?: string): Promise<string[]> {
  let q = db.deleteFrom('sessions').where('user_id', '=', userId);
  if (exceptSessionId) q = q.where('id', '!=', exceptSessionId);
  const rows = await q.returning('id').execute();
  return rows.map((r) => r.id);
}

/** A person's unexpired sessions, most recently active first. */
export function listLiveSessions(db: Db, userId: string, now: number): Promise<SessionRow[]> {
  return db.selectFrom('sessions').selectAll().where('user_id', '=', userId).where('expires_at', '>', now).orderBy('last_active_at', 'desc').execute();
}

/** The ids of all of a person's sessions (expired ones included, until swept). */
export async function sessionIdsOf(db: Db, userId: string): Promise<string[]> {
  return (await db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()).map((s) => s.id);
}
