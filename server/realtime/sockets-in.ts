import type { AppServer } from './socket-types.js';

/** How long a question to the other instances (who is in a room) may take before this one answers alone. */
const CLUSTER_ASK_MS = 1000;

/**
 * The sockets in a room on every instance (several instances: asked through the adapter, at most
 * CLUSTER_ASK_MS). With Redis away or an instance silent, this instance's own sockets: presence
 * shows fewer people for a moment, nobody is shown who may not be.
 */
export async function socketsIn(io: AppServer, room: string) {
  try {
    return await io.in(room).timeout(CLUSTER_ASK_MS).fetchSockets();
  } catch {
    return io.local.in(room).fetchSockets();
  }
}

/**
 * The people with a page in `room` open in a visible tab (the SPA reports page visibility:
 * `presence:visibility`; a socket that never said is visible). What happens there needs no
 * unread item and no mail for them (issue 18, point 3).
 */
export async function watchersOf(io: AppServer, room: string): Promise<Set<string>> {
  return new Set((await socketsIn(io, room)).filter((s) => s.data.hidden !== true).map((s) => s.data.viewer.user.id));
}
