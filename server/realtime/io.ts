import type { Server as HttpServer } from 'node:http';
import { Server } from 'socket.io';
import type { AppDeps } from '../context.js';
import { viewerFromCookie } from '../middleware/authenticate.js';
import type { Viewer } from '../auth/session.js';
import { rooms } from './rooms.js';
import { clientIpFn } from '../client-ip.js';

export interface SocketData {
  viewer: Viewer;
}

/** The largest socket message accepted (OWASP's WebSocket guidance; files go over HTTP). */
export const MAX_SOCKET_PAYLOAD = 64 * 1024;

/**
 * Socket.IO on the same HTTP server at /socket.io. The handshake is authenticated from the
 * same cookie by the same validator as HTTP (second factor done), and its Origin must equal
 * PUBLIC_URL exactly: CORS does not protect WebSockets, so this check is what stops a
 * cross-site page from riding the cookie.
 */
export function createRealtime(httpServer: HttpServer, deps: AppDeps): Server {
  const clientIp = clientIpFn(deps.config.trustProxy);
  const io = new Server<Record<string, never>, Record<string, never>, Record<string, never>, SocketData>(httpServer, {
    path: '/socket.io',
    serveClient: false,
    maxHttpBufferSize: MAX_SOCKET_PAYLOAD,
    allowRequest: (req, callback) => {
      callback(null, req.headers.origin === deps.config.publicUrl);
    },
  });

  io.use(async (socket, next) => {
    try {
      const { viewer } = await viewerFromCookie(deps, socket.request.headers.cookie, clientIp(socket.request));
      if (!viewer || !viewer.session.mfa_verified) return next(new Error('unauthenticated'));
      socket.data.viewer = viewer;
      next();
    } catch (err) {
      deps.logger.error({ err }, 'socket handshake failed');
      next(new Error('internal_error'));
    }
  });

  io.on('connection', (socket) => {
    const { user, session } = socket.data.viewer;
    void socket.join([rooms.user(user.id), rooms.session(session.id)]);
  });

  // Revocation: a session that ended (logout, removal, portal off, expiry…) loses its sockets at once.
  deps.bus.on('sessions.ended', ({ sessionIds }) => {
    for (const id of sessionIds) io.in(rooms.session(id)).disconnectSockets(true);
  });

  return io as unknown as Server;
}
