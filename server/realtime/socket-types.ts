import type { Server, Socket } from 'socket.io';
import type { Viewer } from '../auth/session.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../contracts/socket.js';

/**
 * What a socket keeps of its viewer between events: who it is, for its rooms and presence. Every
 * event re-validates the session and runs with the whole viewer of that moment (`guard.ts`), so
 * an open socket holds no more than this.
 */
export interface SocketViewer {
  user: Pick<Viewer['user'], 'id' | 'kind' | 'client_id' | 'name' | 'scope'>;
  session: Pick<Viewer['session'], 'id'>;
}

/** The part of `v` a socket keeps. */
export function socketViewer(v: Viewer): SocketViewer {
  const { id, kind, client_id, name, scope } = v.user;
  return { user: { id, kind, client_id, name, scope }, session: { id: v.session.id } };
}

/** What the handshake stores on each socket: who (re-checked on every event) and from where. */
export interface SocketData {
  viewer: SocketViewer;
  ip: string | null;
  /** Set once the socket subscribed to the live feed (its feed rooms follow its scope). */
  feed?: true;
  /** True while the page's tab is hidden (reported by the SPA: `presence:visibility`). */
  hidden?: boolean;
}

/**
 * What one instance tells the others through the adapter (several instances): the access changes
 * its own bus announced, so each judges its own sockets again.
 */
interface InterServerEvents {
  'access.changed': (payload: { clientId: string }) => void;
  'scope.changed': () => void;
}

/** The Socket.IO server and sockets, typed with the protocol in `contracts/socket.ts`. */
export type AppServer = Server<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
export type AppSocket = Socket<ClientToServerEvents, ServerToClientEvents, InterServerEvents, SocketData>;
