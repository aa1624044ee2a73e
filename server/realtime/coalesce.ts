import type { Socket as TcpSocket } from 'node:net';
import type { AppServer, AppSocket } from './socket-types.js';

/**
 * One write per socket per turn of the event loop. A group commit makes many events at once
 * (hundreds of chat messages, their acks and their pushes to each channel's sockets); Engine.IO
 * writes every packet to its socket as it comes, one system call each. Holding a socket's
 * writes until the turn ends sends the same packets, in the same order, in one write.
 *
 * How: Engine.IO queues a socket's packets while its transport is not writable (a write in
 * flight) and sends them all once it is. `holdWrites` marks the transport not writable for the
 * rest of this turn; at the end of the turn it is writable again and the queue is sent, with
 * the TCP socket corked so its frames leave in one write. A socket with a write in flight is
 * left alone: Engine.IO sends its queue when that write completes, as always.
 */

interface Held {
  transport: { writable: boolean };
  conn: { flush(): void };
  tcp: TcpSocket | undefined;
}

const held = new Map<object, Held>();
let releasing = false;

function release(): void {
  releasing = false;
  const all = [...held.values()];
  held.clear();
  for (const h of all) h.transport.writable = true; // first, so no socket stays held whatever happens below
  for (const h of all) {
    h.tcp?.cork();
    try {
      h.conn.flush();
    } catch {
      // A socket that broke meanwhile: Engine.IO closes it on its own error event.
    } finally {
      h.tcp?.uncork();
    }
  }
}

/** Hold this socket's writes until the end of this turn of the event loop (then sent in one write). */
export function holdWrites(socket: AppSocket): void {
  const conn = socket.conn as unknown as { transport: { name: string; writable: boolean; socket?: { _socket?: TcpSocket } }; flush?: () => void };
  const transport = conn.transport;
  // WebSocket only: a polling transport's writability is its pending request, not ours to hold.
  if (transport?.name !== 'websocket' || !transport.writable || held.has(conn) || typeof conn.flush !== 'function') return;
  const tcp = transport.socket?._socket;
  held.set(conn, { transport, conn: conn as Held['conn'], tcp: typeof tcp?.cork === 'function' ? tcp : undefined });
  transport.writable = false;
  if (!releasing) {
    releasing = true;
    setImmediate(release);
  }
}

/** Hold the writes of every socket in these rooms (before emitting a batch of events to them). */
export function holdRooms(io: AppServer, names: Iterable<string>): void {
  for (const name of names) {
    for (const id of io.sockets.adapter.rooms.get(name) ?? []) {
      const s = io.sockets.sockets.get(id);
      if (s) holdWrites(s);
    }
  }
}
