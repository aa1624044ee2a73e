import type { AppDeps } from '../context.js';
import { PresenceJoinInput, PresenceVisibilityInput, TypingInput, type PresenceMember, type PresenceTarget } from '../contracts/realtime.js';
import { badRequest, notFound, refusal } from '../errors.js';
import { createLimiter } from '../auth/rate-limit.js';
import { handler } from './ack.js';
import type { AppServer, AppSocket } from './socket-types.js';
import { rooms } from './rooms.js';
import { mayBeIn, roomState } from './room-access.js';
import { socketsIn } from './sockets-in.js';

/**
 * Presence ("who is here now") and typing indicators in the narrow rooms of one finding page or
 * one chat channel. Who may be in a room is `room-access.ts`, asked at the join, again before
 * every emission into the room (a socket that lost access is taken out first and hears nothing),
 * and for a client's sockets whenever that client's access changes (`recheck`). Typing goes only
 * to sockets in the same room, at a bounded rate.
 */

const roomOf = (t: PresenceTarget) => (t.kind === 'finding' ? rooms.finding(t.id) : rooms.channel(t.id));
const memberOf = (s: { data: AppSocket['data'] }): PresenceMember => {
  const u = s.data.viewer.user;
  return { id: u.id, name: u.name, kind: u.kind };
};

export function createPresence(io: AppServer, deps: AppDeps) {
  const typingLimit = createLimiter(deps, { name: 'typing', burst: 5, perSecond: 2 });
  /** The presence rooms each socket of this instance joined (by socket id). */
  const joinedBy = new Map<string, Map<string, PresenceTarget>>();

  /**
   * The sockets that may be in the room now; any other is taken out of it first. Returns the
   * members (people, not sockets) and the ids of the sockets that stay.
   */
  async function admitted(t: PresenceTarget): Promise<{ present: PresenceMember[]; ids: Set<string> }> {
    const room = roomOf(t);
    const [state, sockets] = await Promise.all([roomState(deps, t), socketsIn(io, room)]);
    const people = new Map<string, PresenceMember>();
    const ids = new Set<string>();
    for (const s of sockets) {
      if (!mayBeIn(state, s.data.viewer.user)) {
        s.leave(room);
        joinedBy.get(s.id)?.delete(room);
        continue;
      }
      ids.add(s.id);
      const m = memberOf(s);
      people.set(m.id, m);
    }
    return { present: [...people.values()].sort((a, b) => a.name.localeCompare(b.name)), ids };
  }

  /**
   * `announce` for when nobody waits on it (a socket left or went away): a failure — the database
   * going away as the server stops — is logged, never an unhandled rejection.
   */
  const announceLater = (t: PresenceTarget) =>
    void announce(t).catch((err: unknown) => deps.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'presence announce failed'));

  /** Tell the room who is here (only the sockets still allowed in it hear it). */
  async function announce(t: PresenceTarget): Promise<PresenceMember[]> {
    const { present, ids } = await admitted(t);
    if (ids.size) io.to([...ids]).emit('presence:changed', { target: t, present });
    return present;
  }

  function leave(socket: AppSocket, t: PresenceTarget): void {
    if (joinedBy.get(socket.id)?.delete(roomOf(t))) {
      socket.leave(roomOf(t));
      announceLater(t);
    }
  }

  const typing =
    (on: boolean) =>
    async ({ target }: { target: PresenceTarget }, _ctx: unknown, socket: AppSocket) => {
      // Only where the viewer has joined and may still be: a typing event names no one else's room.
      if (!joinedBy.get(socket.id)?.has(roomOf(target))) throw notFound();
      const { ids } = await admitted(target);
      if (!ids.delete(socket.id)) throw notFound();
      if (ids.size) io.to([...ids]).emit('typing:changed', { target, user: memberOf(socket), typing: on });
      return {};
    };

  const handlers = [
    handler(deps, 'presence:join', PresenceJoinInput, async ({ target }, _ctx, socket) => {
      // The socket's rooms are kept from its first join on (most sockets never join one); `gone`
      // drops them when it disconnects.
      let joined = joinedBy.get(socket.id);
      if (!joined) joinedBy.set(socket.id, (joined = new Map<string, PresenceTarget>()));
      if (joined.size >= 20 && !joined.has(roomOf(target))) throw badRequest('Too many open pages on one connection. Close some tabs, then reload.');
      if (!mayBeIn(await roomState(deps, target), socket.data.viewer.user)) throw refusal(notFound()); // audited as authz.denied
      if (socket.disconnected) throw notFound(); // gone meanwhile (its rooms were dropped): join nothing
      socket.join(roomOf(target));
      joined.set(roomOf(target), target);
      return { present: await announce(target) };
    }),
    handler(deps, 'presence:leave', PresenceJoinInput, async ({ target }, _ctx, socket) => {
      leave(socket, target);
      return {};
    }),
    // The tab shows or hides the page: what happens on a page open in a visible tab needs no unread item or mail.
    handler(deps, 'presence:visibility', PresenceVisibilityInput, async ({ visible }, _ctx, socket) => {
      socket.data.hidden = !visible;
      return {};
    }),
    handler(deps, 'typing:start', TypingInput, typing(true), typingLimit),
    handler(deps, 'typing:stop', TypingInput, typing(false)),
  ];

  /** A socket went away: the rooms it was in hear who is left (one function for every socket). */
  function gone(this: AppSocket): void {
    const joined = joinedBy.get(this.id);
    if (!joined) return;
    joinedBy.delete(this.id);
    for (const t of joined.values()) announceLater(t);
  }

  /** After an access change: take the socket out of every presence room it may no longer be in. */
  async function recheck(socket: AppSocket): Promise<void> {
    for (const t of [...(joinedBy.get(socket.id)?.values() ?? [])]) {
      if (!mayBeIn(await roomState(deps, t), socket.data.viewer.user)) leave(socket, t);
    }
  }

  return { handlers, gone, recheck };
}
