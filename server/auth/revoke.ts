import { sql } from 'kysely';
import type { AppDeps } from '../context.js';
import { deleteUserSessions } from './session.js';
import { deleteSessionRows } from '../repositories/sessions.js';

/**
 * Revocation is immediate: the sessions are deleted (every HTTP request after this gets 401) and
 * `sessions.ended` makes the realtime layer disconnect their live sockets.
 */
export async function endUserSessions(deps: Pick<AppDeps, 'db' | 'bus'>, userId: string, reason: string, exceptSessionId?: string): Promise<string[]> {
  const ids = await deleteUserSessions(deps.db, userId, exceptSessionId);
  if (ids.length) deps.bus.publish('sessions.ended', { sessionIds: ids, reason });
  return ids;
}

/** End the given sessions (already chosen by the caller) and close their sockets. */
export async function endSessions(deps: Pick<AppDeps, 'db' | 'bus'>, sessionIds: string[], reason: string): Promise<string[]> {
  if (sessionIds.length === 0) return [];
  const ids = await deleteSessionRows(deps.db, sessionIds);
  if (ids.length) deps.bus.publish('sessions.ended', { sessionIds: ids, reason });
  return ids;
}

/** End the sessions of every portal user of a client (portal switched off, client archived). */
export async function endClientSessions(deps: Pick<AppDeps, 'db' | 'bus'>, clientId: string, reason: string): Promise<string[]> {
  const rows = await deps.db
    .deleteFrom('sessions')
    .where('user_id', 'in', (eb) => eb.selectFrom('users').select('id').where('client_id', '=', clientId))
    .returning('id')
    .execute();
  const ids = rows.map((r) => r.id);
  if (ids.length) deps.bus.publish('sessions.ended', { sessionIds: ids, reason });
  return ids;
}

/**
 * Delete sessions that expired (absolute, or idle under the user's effective timeout) or whose
 * user is no longer active, and announce them so their sockets close. Run every second, so an
 * expired session's live connection ends within about a second even if it makes no request.
 */
export async function sweepExpiredSessions(deps: Pick<AppDeps, 'db' | 'bus' | 'config'>, now: number): Promise<string[]> {
  const { sessionIdleMs, sessionAbsoluteMs } = deps.config;
  const rows = await deps.db
    .deleteFrom('sessions')
    .where('id', 'in', (eb) =>
      eb
        .selectFrom('sessions as s')
        .innerJoin('users as u', 'u.id', 's.user_id')
        .leftJoin('clients as c', 'c.id', 'u.client_id')
        .leftJoin('firm as f', (j) => j.on('f.id', '=', 1))
        .select('s.id')
        .where((w) =>
          w.or([
            w('s.expires_at', '<=', now),
            w(sql`s.created_at + coalesce(c.session_absolute_hours * 3600000, f.session_absolute_hours * 3600000, ${sessionAbsoluteMs})`, '<=', now),
            w(sql`s.last_active_at + coalesce(c.session_idle_minutes * 60000, f.session_idle_minutes * 60000, ${sessionIdleMs})`, '<=', now),
            w('u.status', '!=', 'active'),
          ]),
        ),
    )
    .returning('id')
    .execute();
  const ids = rows.map((r) => r.id);
  if (ids.length) deps.bus.publish('sessions.ended', { sessionIds: ids, reason: 'expired' });
  return ids;
}
