import type { AppDeps } from '../context.js';
import type { SignOutReason } from '../contracts/sign-out.js';
import { endSessionRows, pruneSessionEndings, sessionsToSweep, setSessionsCheckAt, type SessionPick } from '../repositories/sessions.js';
import { sessionEnd } from './session.js';
import { effectiveTimeouts } from './access.js';

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

/** The most sessions one sweep looks at (the rest wait for the next second). */
const SWEEP_BATCH = 2000;

/**
 * End the sessions that expired (absolute, or idle under the person's effective timeout) or whose
 * person is no longer active, and announce them so their sockets close with the reason: idle
 * timeout, expired, or removed. Run every second, so an expired session's live connection ends
 * within about a second even if it makes no request. Old reasons are forgotten here too.
 *
 * It reads only the sessions whose `check_at` has come (an index range: a firm's thousands of open
 * sessions are not read every second) and those of people no longer active. Each is judged by the
 * rule requests apply (`sessionEnd`); one still running gets the moment it would end as its next
 * `check_at` — a later touch only moves its end further, so looking then is never too late.
 */
export async function sweepExpiredSessions(deps: Pick<AppDeps, 'db' | 'bus' | 'config' | 'clock'>, now: number): Promise<string[]> {
  const byReason = new Map<SignOutReason, string[]>();
  const later: { id: string; was: number; at: number }[] = [];
  for (const s of await sessionsToSweep(deps.db, now, SWEEP_BATCH)) {
    const { endedBy, endsAt } = sessionEnd(s, s.status, effectiveTimeouts(deps.config, s.firm, s.client), now);
    if (endedBy) byReason.set(endedBy, [...(byReason.get(endedBy) ?? []), s.id]);
    else later.push({ id: s.id, was: s.check_at, at: endsAt });
  }
  await setSessionsCheckAt(deps.db, later);
  const ended: string[] = [];
  for (const [reason, ids] of byReason) ended.push(...(await endSessions(deps, ids, reason)));
  await pruneSessionEndings(deps.db, now - ENDING_KEPT_MS);
  return ended;
}

/**
 * Staff sessions that single sign-on did not make, but the break-glass administrator's: ended when
 * the firm starts requiring single sign-on for staff.
 */
export async function endStaffPasswordSessions(deps: RevokeDeps, breakGlassUserId: string, reason: SignOutReason): Promise<string[]> {
  return end(
    deps,
    (eb) =>
      eb.and([
        eb('user_id', 'in', eb.selectFrom('users').select('id').where('kind', '=', 'staff').where('id', '!=', breakGlassUserId)),
        eb('id', 'not in', eb.selectFrom('sso_sessions').select('session_id')),
      ]),
    reason,
  );
}
