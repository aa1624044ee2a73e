import type { Server } from 'socket.io';
import type { AppDeps } from '../context.js';
import { PresenceJoinInput, TypingInput, type PresenceMember, type PresenceTarget } from '../contracts/realtime.js';
import { badRequest, notFound } from '../errors.js';
import { tokenBucket } from '../auth/rate-limit.js';
import { modulesOf } from '../modules.js';
import { handle, type AnySocket } from './ack.js';
import { rooms } from './rooms.js';

/**
 * Presence ("who is here now") and typing indicators in the narrow rooms of one finding page or
 * one chat channel. Joining checks what the viewer may see: staff any existing finding/channel;
 * a portal user only their own client's published finding (Findings module on) or channel (Chat
 * module on). Typing goes only to sockets in the same room, at a bounded rate.
 */

const roomOf = (t: PresenceTarget) => (t.kind === 'finding' ? rooms.finding(t.id) : rooms.channel(t.id));

async function mayJoin(deps: AppDeps, socket: AnySocket, t: PresenceTarget): Promise<boolean> {
  const { user } = socket.data.viewer;
  if (t.kind === 'finding') {
    const f = await deps.db
      .selectFrom('findings')
      .innerJoin('clients', 'clients.id', 'findings.client_id')
      .select(['findings.client_id', 'findings.published', 'clients.modules'])
      .where('findings.id', '=', t.id)
      .executeTakeFirst();
    if (!f) return false;
    return user.kind === 'staff' || (f.client_id === user.client_id && f.published === 1 && modulesOf(f).findings);
  }
  const c = await deps.db.selectFrom('clients').select(['id', 'modules', 'archived_at']).where('id', '=', t.id).executeTakeFirst();
  if (!c) return false;
  return user.kind === 'staff' || (c.id === user.client_id && modulesOf(c).chat);
}

/** The people (not sockets) in a room right now. */
async function membersOf(io: Server, room: string): Promise<PresenceMember[]> {
  const sockets = await io.in(room).fetchSockets();
  const seen = new Map<string, PresenceMember>();
  for (const s of sockets) {
    const u = (s.data as AnySocket['data']).viewer.user;
    seen.set(u.id, { id: u.id, name: u.name, kind: u.kind });
  }
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}

export function createPresence(io: Server, deps: AppDeps) {
  const typingLimit = tokenBucket(5, 2, deps.clock);
  const announce = async (t: PresenceTarget) => io.to(roomOf(t)).emit('presence:changed', { target: t, present: await membersOf(io, roomOf(t)) });

  function register(socket: AnySocket): void {
    const joined = new Map<string, PresenceTarget>();

    handle(deps, socket, 'presence:join', PresenceJoinInput, async ({ target }) => {
      if (joined.size >= 20 && !joined.has(roomOf(target))) throw badRequest('Too many open pages on one connection.');
      if (!(await mayJoin(deps, socket, target))) throw notFound();
      socket.join(roomOf(target));
      joined.set(roomOf(target), target);
      void announce(target);
      return { present: await membersOf(io, roomOf(target)) };
    });

    handle(deps, socket, 'presence:leave', PresenceJoinInput, async ({ target }) => {
      if (joined.delete(roomOf(target))) {
        socket.leave(roomOf(target));
        void announce(target);
      }
      return {};
    });

    const typing = (on: boolean) => async ({ target }: { target: PresenceTarget }) => {
      // Only where the viewer has joined (and so was allowed): a typing event names no one else's room.
      if (!joined.has(roomOf(target))) throw notFound();
      const u = socket.data.viewer.user;
      socket.to(roomOf(target)).emit('typing:changed', { target, user: { id: u.id, name: u.name, kind: u.kind }, typing: on });
      return {};
    };
    handle(deps, socket, 'typing:start', TypingInput, typing(true), typingLimit);
    handle(deps, socket, 'typing:stop', TypingInput, typing(false));

    socket.on('disconnect', () => {
      for (const t of joined.values()) void announce(t);
    });
  }

  return { register };
}
