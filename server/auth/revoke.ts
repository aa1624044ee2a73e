import { sql } from 'kysely';
import type { AppDeps } from '../context.js';
import type { SignOutReason } from '../contracts/sign-out.js';
import { endSessionRows, pruneSessionEndings, type SessionPick } from '../repositories/sessions.js';

/**
 * Revocation is immediate: the sessions are deleted (every HTTP request after this gets 401, with
 * the reason when there is one) and `sessions.ended` makes the realtime layer tell their live
 * sockets why (`session:ended`) and disconnect them. `reason` null: the person's own doing (sign
 * out, signing in again), nothing to explain.
 */
type RevokeDeps = Pick<AppDeps, 'db' | 'bus' | 'clock'>;

async function end(deps: RevokeDeps, pick: SessionPick, reason: SignOutReason | null): Promise<string[]> {
  const ids = await endSessionRows(deps.db, pick, reason, deps.clock());
  if (ids.length) deps.bus.publish('sessions.ended', { sessionIds: ids, reason });
  return ids;
}

/** End every session of a user, or every other one when `exceptSessionId` is given; returns the ended ids. */
export async function endUserSessions(deps: RevokeDeps, userId: string, reason: SignOutReason | null, exceptSessionId?: string): Promise<string[]> {
  return end(deps, (eb) => (exceptSessionId ? eb.and([eb('user_id', '=', userId), eb('id', '!=', exceptSessionId)]) : eb('user_id', '=', userId)), reason);
}

/** End the given sessions (already chosen by the caller) and close their sockets. */
export async function endSessions(deps: RevokeDeps, sessionIds: string[], reason: SignOutReason | null): Promise<string[]> {
  if (sessionIds.length === 0) return [];
  return end(deps, (eb) => eb('id', 'in', sessionIds), reason);
}

/** End the sessions of every portal user of a client (portal switched off, client archived). */
export async function endClientSessions(deps: RevokeDeps, clientId: string, reason: SignOutReason): Promise<string[]> {
  return end(deps, (eb) => eb('user_id', 'in', eb.selectFrom('users').select('id').where('client_id', '=', clientId)), reason);
}

/** How long the reason of an ended session is kept for a page that asks late (a laptop waking up). */
const ENDING_KEPT_MS = 7 * 24 * 3_600_000;

/**
 * Delete sessions that expired (absolute, or idle under the user's effective timeout) or whose
 * user is no longer active, and announce them so their sockets close with the reason: idle
 * timeout, expired, or removed. Run every second, so an expired session's live connection ends
 * within about a second even if it makes no request. Old reasons are forgotten here too.
 */
export async function sweepExpiredSessions(deps: Pick<AppDeps, 'db' | 'bus' | 'config' | 'clock'>, now: number): Promise<string[]> {
  const { sessionIdleMs, sessionAbsoluteMs } = deps.config;
  const rows = await deps.db
    .selectFrom('sessions as s')
    .innerJoin('users as u', 'u.id', 's.user_id')
    .leftJoin('clients as c', 'c.id', 'u.client_id')
    .leftJoin('firm as f', (j) => j.on('f.id', '=', 1))
    .select(['s.id', 'u.status'])
    .select((eb) =>
      eb
        .or([
          eb('s.expires_at', '<=', now),
          eb(sql`s.created_at + coalesce(c.session_absolute_hours * 3600000, f.session_absolute_hours * 3600000, ${sessionAbsoluteMs})`, '<=', now),
        ])
        .as('absolute'),
    )
    .where((w) =>
      w.or([
        w('s.expires_at', '<=', now),
        w(sql`s.created_at + coalesce(c.session_absolute_hours * 3600000, f.session_absolute_hours * 3600000, ${sessionAbsoluteMs})`, '<=', now),
        w(sql`s.last_active_at + coalesce(c.session_idle_minutes * 60000, f.session_idle_minutes * 60000, ${sessionIdleMs})`, '<=', now),
        w('u.status', '!=', 'active'),
      ]),
    )
    .execute();
  const byReason = new Map<SignOutReason, string[]>();
  for (const r of rows) {
    // A removed person is told so even when their session also timed out; an absolute end outranks idleness.
    const reason: SignOutReason = r.status !== 'active' ? 'removed' : r.absolute ? 'expired' : 'idle_timeout';
    byReason.set(reason, [...(byReason.get(reason) ?? []), r.id]);
  }
  const ended: string[] = [];
  for (const [reason, ids] of byReason) ended.push(...(await endSessions(deps, ids, reason)));
  await pruneSessionEndings(deps.db, now - ENDING_KEPT_MS);
  return ended;
}
