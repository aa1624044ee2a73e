import type { AppDeps } from '../context.js';
import type { PresenceTarget } from '../contracts/realtime.js';
import { clientSees, reaches, type Person } from '../policies/access.js';
import { findClientState, findFindingState } from '../repositories/clients.js';

/**
 * Who may be in a presence room (one finding's page, one client's chat channel) right now. It is
 * asked when a socket joins, before every typing or presence emission, and for every open socket
 * of a client when that client's access changes — so a socket that lost access stops hearing the
 * room within a second, even if no announcement of the change reached this instance.
 *
 * Staff: any finding or channel of a client in their scope. A portal user: what `policies/access.ts` lets their
 * client's people see (the finding, or the chat channel).
 */
export interface RoomState {
  clientId: string;
  /** Whether a portal user of `clientId` may be in the room (staff always may). */
  openToPortal: boolean;
}

/** The room's current state, or null when the finding or client no longer exists. */
export async function roomState(deps: Pick<AppDeps, 'db'>, t: PresenceTarget): Promise<RoomState | null> {
  if (t.kind === 'finding') {
    const f = await findFindingState(deps.db, t.id);
    if (!f) return null;
    return { clientId: f.client_id, openToPortal: clientSees('finding', f) };
  }
  const c = await findClientState(deps.db, t.id);
  if (!c) return null;
  return { clientId: c.id, openToPortal: clientSees('chat', c) };
}

/** Whether `user` may be in a room of this state (staff: a client in their scope). */
export function mayBeIn(state: RoomState | null, user: Person): boolean {
  if (!state || !reaches(user, state.clientId)) return false;
  return user.kind === 'staff' || state.openToPortal;
}
