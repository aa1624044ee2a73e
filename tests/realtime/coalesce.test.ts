import type { Socket as TcpSocket } from 'node:net';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, signIn } from '../support/factories.js';
import { buildProject } from '../support/workspace.js';
import { appWithSockets, ask, connected, connectSocket, feedSocket, logEvents, recordAll, until } from '../support/socket.js';
import { cmid } from '../support/chat.js';
import type { AppSocket } from '../../server/realtime/socket-types.js';

/**
 * Writes are coalesced per socket and turn of the event loop (`server/realtime/coalesce.ts`):
 * a batch of pushes, and the acks that finish with it, leave each socket in one write instead
 * of one per packet — the same packets, in the same order.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a));

/** Count the TCP writes the server makes to this user's socket (each a system call). */
function countWrites(userId: string): { writes: number } {
  const server = [...app.server.io.sockets.sockets.values()].find((s: AppSocket) => s.data.viewer?.user.id === userId);
  if (!server) throw new Error('no server socket for the user');
  const tcp = (server.conn as unknown as { transport: { socket: { _socket: TcpSocket } } }).transport.socket._socket as TcpSocket & {
    _write: (...a: unknown[]) => void;
    _writev: (...a: unknown[]) => void;
  };
  const counter = { writes: 0 };
  for (const m of ['_write', '_writev'] as const) {
    const real = tcp[m].bind(tcp);
    tcp[m] = (...a: unknown[]) => {
      counter.writes++;
      return real(...a);
    };
  }
  return counter;
}

describe('one write per socket and turn', () => {
  it('30 events pushed together reach a feed socket in order, in one write', async () => {
    const client = await buildClient(app.db);
    const project = await buildProject(app.db, { client_id: client.id });
    const user = await buildPortalUser(app.db, { client_id: client.id });
    const { socket } = await feedSocket(app, await signIn(app, user));
    open.push(socket);
    const rec = recordAll(socket);
    const tcp = countWrites(user.id);

    await logEvents(app, client.id, project.id, 30);
    await until(() => rec.ofType('project:updated').length === 30, '30 pushes');
    const positions = rec.ofType('project:updated').map((e) => e.position as number);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(tcp.writes).toBe(1);
  });

  it('sends that commit together: their acks and pushes leave in two writes per commit, every one answered, in order', async () => {
    const client = await buildClient(app.db);
    const user = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' });
    const { socket } = await feedSocket(app, await signIn(app, user));
    open.push(socket);
    const rec = recordAll(socket);
    const tcp = countWrites(user.id);
    let commits = 0;
    app.deps.bus.on('events.appended', () => void commits++);

    const ids = Array.from({ length: 20 }, () => cmid());
    const acks = await Promise.all(ids.map((id, i) => ask(socket, 'message:send', { body: `m${i}`, clientMessageId: id })));
    expect(acks.every((a) => a.ok)).toBe(true);
    await until(() => rec.ofType('message:created').length === 20, '20 pushes');
    const bodies = rec.ofType('message:created').map((e) => e.data.body);
    expect(bodies).toEqual(ids.map((_, i) => `m${i}`));
    // 20 acks and 20 pushes: without coalescing, one write each (40). With it, one write for a
    // commit's acks and one for its pushes. How many commits the 20 take depends on timing (on
    // PostgreSQL the checks before each write run on a pool: 2 to 4 commits were seen, on SQLite 1).
    expect(commits).toBeGreaterThan(0);
    expect(tcp.writes).toBeLessThanOrEqual(2 * commits);
    expect(tcp.writes).toBeLessThan(40);
  });

  it('a long-polling socket (never held, as only WebSocket transports are): its sends that commit together are all answered and pushed, in order', async () => {
    const client = await buildClient(app.db);
    const user = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' });
    const socket = connectSocket(app, await signIn(app, user), { transports: ['polling'] });
    open.push(socket);
    await connected(socket);
    expect(await ask(socket, 'feed:subscribe', { since: null })).toMatchObject({ ok: true });
    const rec = recordAll(socket);
    const acks = await Promise.all(Array.from({ length: 10 }, (_, i) => ask(socket, 'message:send', { body: `p${i}`, clientMessageId: cmid() })));
    expect(acks.every((a) => a.ok)).toBe(true);
    await until(() => rec.ofType('message:created').length === 10, '10 pushes');
    expect(rec.ofType('message:created').map((e) => e.data.body)).toEqual(Array.from({ length: 10 }, (_, i) => `p${i}`));
  });
});
