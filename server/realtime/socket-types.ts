import type { Server, Socket } from 'socket.io';
import type { Viewer } from '../auth/session.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../contracts/socket.js';

/** What the handshake stores on each socket: who (re-checked on every event) and from where. */
export interface SocketData {
  viewer: Viewer;
  ip: string | null;
  /** Set once the socket subscribed to the live feed (its feed rooms follow its scope). */
  feed?: true;
}

/** The Socket.IO server and sockets, typed with the protocol in `contracts/socket.ts`. */
export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, Record<string, never>, SocketData>;
