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
