import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import { socketViewer, type AppServer, type SocketData } from './socket-types.js';
import type { AppDeps } from '../context.js';
import { viewerFromCookie } from '../middleware/authenticate.js';
import { rooms } from './rooms.js';
import { clientIpFn } from '../client-ip.js';
import { createFeed } from './feed.js';
import { createPresence } from './presence.js';
import { chatHandlers } from './chat-handlers.js';
import { commentHandlers } from './comment-handlers.js';
import { pageViewHandlers } from './page-view-handlers.js';
import { attach } from './ack.js';
import { endSocket, guardSocket, recheckSocket } from './guard.js';
import { createAdapter } from '@socket.io/redis-streams-adapter';
import { closeEndedSessions, closeEndedSockets } from './liveness.js';
import { socketsIn } from './sockets-in.js';
import { createSocketCounter } from '../cluster/socket-count.js';
import { createAuditTail } from './audit-tail.js';

/** The largest socket message accepted (OWASP's WebSocket guidance; files go over HTTP). */
const MAX_SOCKET_PAYLOAD = 64 * 1024;

export interface Realtime {
  io: AppServer;
  /** Resolves once every committed event has been pushed (tests, shutdown). */
  drain(): Promise<void>;
  /** Where the feed stands: every event at or below it has been pushed (null until known). */
  feedPosition(): number | null;
  /** Push whatever has been committed since the last push (several instances: woken by the database). */
  pump(): void;
  /** Several instances: close this instance's sockets whose session ended anywhere (null on one instance). */
  liveness: (() => Promise<number>) | null;
  /** After the sockets closed: give their counts back, close the adapter's Redis connection (several instances). */
  closeAdapter(): Promise<void>;
}

/**
 * Socket.IO on the same HTTP server at /socket.io. The handshake is authenticated from the
 * same cookie by the same validator as HTTP (second factor done), and its Origin must equal
 * PUBLIC_URL exactly: CORS does not protect WebSockets, so this check is what stops a
 * cross-site page from riding the cookie. One user may hold SOCKETS_PER_USER connections (across
 * every instance when there are several: cluster/socket-count.ts).
 */
export function createRealtime(httpServer: HttpServer, deps: AppDeps): Realtime {
  const clientIp = clientIpFn(deps.config.trustProxy);
  const cluster = deps.redis !== null;
  // The adapter's own connection: it queues while Redis is away, so what crosses instances is sent
  // once Redis is back (the adapter's stream resumes where it was).
  const adapterRedis = deps.redis?.duplicate({ disableOfflineQueue: false }) ?? null;
  adapterRedis?.on('error', () => {}); // the commands connection logs Redis going away
  adapterRedis?.connect().catch((err: unknown) => deps.logger.warn({ err: String(err) }, 'Redis adapter connection failed'));
  const io: AppServer = new Server(httpServer, {
    path: '/socket.io',
    serveClient: false,
    maxHttpBufferSize: MAX_SOCKET_PAYLOAD,
    // Several instances: WebSocket only (one TCP connection per socket, so a balancer needs no
    // stickiness), and the Redis Streams adapter for what crosses instances (disconnects, pushes
    // to a person, presence, typing); it resumes after a Redis disconnection without losing
    // packets. Its client queues while Redis is away (ours fails fast). Connection-state recovery
    // stays off: it would restore the rooms and stale packets of sessions revoked meanwhile.
    ...(adapterRedis
      ? {
          transports: ['websocket' as const],
          adapter: createAdapter(adapterRedis, {
            streamName: 'debrief:socket.io',
            heartbeatInterval: 2000,
            heartbeatTimeout: 5000,
          }),
        }
      : {}),
    allowRequest: (req, callback) => {
      callback(null, req.headers.origin === deps.config.publicUrl);
    },
  });
  const perUser = createSocketCounter(deps);

  io.use(async (socket, next) => {
    try {
      const ip = clientIp(socket.request);
      // Connecting is not activity (a page held open reconnects by itself); the page load that opened it was.
      const { viewer } = await viewerFromCookie(deps, socket.request.headers.cookie, ip, false);
      if (!viewer || !viewer.session.mfa_verified) return next(new Error('unauthenticated'));
      if (!(await perUser.acquire(viewer.user.id))) return next(new Error('too_many_connections'));
      // Counted from here: released once, when the socket disconnects or when its connection
      // closes before it was ever connected (then Socket.IO emits no disconnect).
      let counted = true;
      const release = () => {
        if (counted) void perUser.release(viewer.user.id);
        counted = false;
      };
      socket.once('disconnect', release);
      socket.conn.once('close', release);
      socket.data = { viewer: socketViewer(viewer), ip: ip ?? null } satisfies SocketData;
      // The handshake a socket shows to the rest of the server (and, with several instances, to the
      // others through Redis when they ask who is in a room) keeps no cookie: the session token
      // stays in the request, which only this instance reads to re-validate each event.
      const { cookie: _token, ...headers } = socket.handshake.headers;
      socket.handshake.headers = headers;
      next();
    } catch (err) {
      deps.logger.error({ err }, 'socket handshake failed');
      next(new Error('internal_error'));
    }
  });

  // Several instances: before the feed emits, sockets whose session ended anywhere are closed
  // (an event committed after a revocation never reaches it), and every second in any case.
  const liveness = () => closeEndedSessions(io, deps);
  const feed = createFeed(io, deps, cluster ? liveness : undefined);
  const presence = createPresence(io, deps);
  const auditTail = createAuditTail(deps);

  // Every socket gets the same handler functions (defined here once), so an open socket costs
  // its connection and rooms, not a closure per event.
  const handlers = [...feed.handlers, ...presence.handlers, ...chatHandlers(deps), ...commentHandlers(deps), ...pageViewHandlers(deps), ...auditTail.handlers];
  const handled = new Set<string>(handlers.map((h) => h.event));

  io.on('connection', (socket) => {
    const { user, session } = socket.data.viewer;
    socket.on('disconnect', presence.gone);
    socket.on('disconnect', auditTail.gone);
    void socket.join([rooms.user(user.id), rooms.session(session.id)]);
    // A session that ended after the handshake read it and before this socket joined its room was
    // announced to no one: look once more now that the announcement would reach it.
    void closeEndedSockets([socket], deps).catch((err: unknown) => deps.logger.error({ err }, 'socket session check failed'));
    guardSocket(deps, socket, handled);
    attach(socket, handlers);
  });

  // Revocation: a session that ended (logout, removal, portal off, expiry…) loses its sockets at
  // once — on every instance, through the adapter.
  deps.bus.on('sessions.ended', ({ sessionIds, reason }) => {
    for (const id of sessionIds) {
      // The reason goes first, through the same adapter stream as the disconnect, so it arrives before it.
      if (reason) io.in(rooms.session(id)).emit('session:ended', { reason });
      io.in(rooms.session(id)).disconnectSockets(true);
    }
  });

  // A client's access narrowed (allowlist, modules, portal, a finding withdrawn): every open socket
  // of that client is judged again now — its session with the socket's own address (else it is
  // disconnected), then the presence rooms it is in — instead of waiting for its next event.
  const accessChanged = async (clientId: string) => {
    for (const socket of io.of('/').sockets.values()) {
      const { user } = socket.data.viewer;
      if (user.kind === 'portal' && user.client_id !== clientId) continue;
      const r = user.kind === 'portal' ? await recheckSocket(deps, socket, false) : null;
      if (r && 'refused' in r) endSocket(socket, r.reason);
      else await presence.recheck(socket);
    }
  };
  deps.bus.on('access.changed', async ({ clientId }) => {
    if (cluster) io.serverSideEmit('access.changed', { clientId });
    await accessChanged(clientId);
  });
  io.on('access.changed', ({ clientId }) => void accessChanged(clientId).catch((err) => deps.logger.error({ err }, 'access recheck failed')));

  // Which clients staff reach changed: every staff socket is judged again (its viewer, with its
  // scope, re-validated), leaves the feed and presence rooms of clients it no longer reaches, and
  // joins the feed rooms of those it newly reaches.
  const scopeChanged = async () => {
    for (const socket of io.of('/').sockets.values()) {
      if (socket.data.viewer.user.kind !== 'staff') continue;
      const r = await recheckSocket(deps, socket, false);
      if ('refused' in r) {
        endSocket(socket, r.reason);
        continue;
      }
      await feed.rescope(socket);
      await presence.recheck(socket);
    }
  };
  deps.bus.on('scope.changed', async () => {
    if (cluster) io.serverSideEmit('scope.changed');
    await scopeChanged();
  });
  io.on('scope.changed', () => void scopeChanged().catch((err) => deps.logger.error({ err }, 'scope recheck failed')));

  // A new brand: every open page (any instance, through the adapter) swaps its stylesheet, favicon
  // and logo. The push carries nothing; each page reads the public brand again.
  deps.bus.on('brand.updated', () => void io.emit('brand:updated', {}));

  // A client's visible fields or modules changed: its portal pages (any instance, through the
  // adapter) refetch. Only that client's portal room hears it, and it carries nothing.
  deps.bus.on('portal.reconfigured', ({ clientId }) => void io.to(rooms.clientPortal(clientId)).emit('portal:reconfigured', {}));

  return {
    io,
    drain: feed.drain,
    feedPosition: feed.position,
    pump: feed.pump,
    liveness: cluster ? liveness : null,
    closeAdapter: async () => {
      auditTail.close();
      await perUser.stop();
      await adapterRedis?.close().catch(() => {});
    },
  };
}

/** Whether the user has a live connection on any instance (mail goes to people who are offline). */
export async function isOnline(io: AppServer, userId: string): Promise<boolean> {
  return (await socketsIn(io, rooms.user(userId))).length > 0;
}
