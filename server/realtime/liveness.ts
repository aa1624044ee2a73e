import type { AppDeps } from '../context.js';
import type { AppServer } from './socket-types.js';
import type { SignOutReason } from '../contracts/sign-out.js';
import { sessionEndingReasons } from '../repositories/sessions.js';
import { endSocket } from './guard.js';

const CHUNK = 1000;

/**
 * Close every socket of this instance whose session no longer exists. With several instances a
 * session ended on another one (logout, removal, portal off, role lowered, an allowlist that no
 * longer admits it, expiry) reaches this instance's sockets through Redis — and through this
 * check, which needs only the database: it runs every second and before the feed emits, so an
 * event committed after a session ended never reaches that session's socket here, Redis or not.
 */
export function closeEndedSessions(io: AppServer, deps: Pick<AppDeps, 'db'>): Promise<number> {
  return closeEndedSockets(io.sockets.sockets.values(), deps);
}

type AppSocket = AppServer['sockets']['sockets'] extends Map<string, infer S> ? S : never;

/** Close those of these sockets whose session no longer exists (each told its session's reason); returns how many. */
export async function closeEndedSockets(sockets: Iterable<AppSocket>, deps: Pick<AppDeps, 'db'>): Promise<number> {
  const bySession = new Map<string, AppSocket[]>();
  for (const s of sockets) {
    const id = s.data.viewer.session.id;
    const list = bySession.get(id);
    if (list) list.push(s);
    else bySession.set(id, [s]);
  }
  if (!bySession.size) return 0;
  const ids = [...bySession.keys()];
  const alive = new Set<string>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const rows = await deps.db
      .selectFrom('sessions')
      .select('id')
      .where('id', 'in', ids.slice(i, i + CHUNK))
      .execute();
    for (const r of rows) alive.add(r.id);
  }
  const dead = ids.filter((id) => !alive.has(id));
  const reasons = dead.length ? await sessionEndingReasons(deps.db, dead) : new Map<string, SignOutReason>();
  let closed = 0;
  for (const id of dead)
    for (const s of bySession.get(id)!) {
      endSocket(s, reasons.get(id) ?? null);
      closed++;
    }
  return closed;
}
