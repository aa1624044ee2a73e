import type { AppDeps } from '../context.js';
import type { Ack } from '../contracts/realtime.js';
import { accessProblemError } from '../auth/access.js';
import { viewerFromCookie } from '../middleware/authenticate.js';
import { badRequest, sessionEnded, unauthenticated, type AppError } from '../errors.js';
import { PASSIVE_SOCKET_EVENTS, type SignOutReason } from '../contracts/sign-out.js';
import { arrivedAt, errorAck, runsAs } from './ack.js';
import { socketViewer, type AppSocket } from './socket-types.js';
import type { Viewer } from '../auth/session.js';

/**
 * Events a browser sends by itself are not the person's activity (contracts/sign-out.ts; a page
 * view report follows the page's own API reads, which are).
 */
const PASSIVE = new Set(PASSIVE_SOCKET_EVENTS);

/**
 * Re-validate a socket's session as HTTP does for a request: the same validator, with the
 * socket's own address (resolved at the handshake under TRUST_PROXY). On success the socket's
 * viewer is refreshed (name and scope as they are now) and the whole viewer returned; on failure
 * the error to answer.
 */
export async function recheckSocket(
  deps: AppDeps,
  socket: AppSocket,
  activity: boolean,
): Promise<{ viewer: Viewer } | { refused: AppError; reason: SignOutReason | null }> {
  const r = await viewerFromCookie(deps, socket.request.headers.cookie, socket.data.ip, activity);
  if (!r.viewer) {
    if (r.problem) return { refused: accessProblemError(r.problem), reason: r.problem === 'ip_not_allowed' ? 'network_not_allowed' : 'portal_disabled' };
    return r.ended ? { refused: sessionEnded(r.ended), reason: r.ended } : { refused: unauthenticated(), reason: null };
  }
  if (!r.viewer.session.mfa_verified) return { refused: unauthenticated(), reason: null };
  socket.data.viewer = socketViewer(r.viewer);
  return { viewer: r.viewer };
}

/**
 * The gate every client→server event passes before its handler (Socket.IO middleware):
 * - an event none of `handled` names — `error` and other names the library itself listens
 *   to included — gets a `bad_request` ack and goes no further (names the protocol reserves,
 *   such as `disconnect`, are refused by Socket.IO's parser, which closes that connection);
 * - every other event re-validates the session with the socket's own address first, and counts
 *   as activity unless it is PASSIVE. A session that ended, expired or may no longer be used from
 *   this address gets the error ack and the socket is disconnected.
 * Checks run one after another per socket, so events reach their handlers in the order sent.
 */
export function guardSocket(deps: AppDeps, socket: AppSocket, handled: ReadonlySet<string>): void {
  let previous: Promise<unknown> = Promise.resolve();
  socket.use((packet, next) => {
    const [event] = packet;
    const last = packet[packet.length - 1];
    const ack = typeof last === 'function' ? (last as (a: Ack<never>) => void) : undefined;
    if (ack) arrivedAt.set(ack, performance.now());
    if (typeof event !== 'string' || !handled.has(event)) {
      ack?.(errorAck(deps, badRequest('Unknown event.'), String(event)));
      return;
    }
    previous = previous
      .then(() => recheckSocket(deps, socket, !PASSIVE.has(event)))
      .then((r) => {
        if ('viewer' in r) {
          if (ack) runsAs.set(ack, r.viewer); // the handler runs as the viewer just validated
          return next();
        }
        ack?.(errorAck(deps, r.refused, event));
        endSocket(socket, r.reason);
      })
      .catch((err) => ack?.(errorAck(deps, err, event)));
  });
}

/**
 * Disconnect a socket the server no longer serves, telling the page why first (`session:ended`,
 * when there is a reason): the packet is written before the connection closes.
 */
export function endSocket(socket: AppSocket, reason: SignOutReason | null): void {
  if (reason) socket.emit('session:ended', { reason });
  socket.disconnect(true);
}
