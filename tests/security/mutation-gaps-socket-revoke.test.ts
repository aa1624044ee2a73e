import type { Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { appWithSockets, ask, connected, connectSocket, disconnected } from '../support/socket.js';
import type { UserRow } from '../../db/schema.js';

/**
 * Ending a session closes ITS sockets at once, and only its sockets: on logout, on ending one
 * session (or all others) from the profile page, and on an admin removing the person. Each
 * ended socket gets the server's disconnect ("io server disconnect"); a socket of another session
 * of the same person (or of a colleague) stays connected and keeps working.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a));

async function socketOf(agent: Agent): Promise<Socket> {
  const s = connectSocket(app, agent);
  open.push(s);
  await connected(s);
  return s;
}

/** Still connected and still served (a round trip through the server). */
async function expectAlive(s: Socket) {
  expect(s.connected).toBe(true);
  expect(await ask(s, 'feed:subscribe', { since: null })).toMatchObject({ position: expect.any(Number) });
}

/** A person signed in on `n` browsers, each with a live socket. */
async function person(user: UserRow, n: number) {
  const agents: Agent[] = [];
  for (let i = 0; i < n; i++) agents.push(await signIn(app, user));
  return { agents, sockets: await Promise.all(agents.map(socketOf)) };
}

describe('sockets of ended sessions are told to close', () => {
  it('logout closes that browser’s socket only', async () => {
    const {
      agents: [one, two],
      sockets: [s1, s2],
    } = await person(await buildStaff(app.db), 2);
    const gone = disconnected(s1!);
    expect((await one!.post('/api/auth/logout')).status).toBe(200);
    expect(await gone).toBe('io server disconnect');
    await app.server.drain();
    await expectAlive(s2!);
    expect((await two!.get('/api/session')).status).toBe(200);
  });

  it('ending one session from the profile page closes that session’s socket only', async () => {
    const {
      agents: [here, there],
      sockets: [s1, s2],
    } = await person(await buildPortalUser(app.db), 2);
    const list = await here!.get('/api/profile/sessions');
    expect(list.status).toBe(200);
    const other = list.body.find((s: any) => !s.current);
    expect(list.body).toHaveLength(2);
    const gone = disconnected(s2!);
    expect((await here!.delete(`/api/profile/sessions/${other.id}`)).status).toBe(204);
    expect(await gone).toBe('io server disconnect');
    await expectAlive(s1!);
    expect((await there!.get('/api/session')).status).toBe(401);
  });

  it('"end all other sessions" closes every other socket and keeps this one', async () => {
    const {
      agents: [here],
      sockets: [s1, s2, s3],
    } = await person(await buildStaff(app.db), 3);
    const gone = [disconnected(s2!), disconnected(s3!)];
    const res = await here!.post('/api/profile/sessions/end-others', {});
    expect(res.status).toBe(200);
    expect(res.body.ended).toBe(2);
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    await expectAlive(s1!);
  });

  it('an admin removing a portal user closes all of that user’s sockets, and no colleague’s', async () => {
    const client = await buildClient(app.db);
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const target = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' });
    const { sockets } = await person(target, 2);
    const colleague = await person(await buildPortalUser(app.db, { client_id: client.id, role: 'manager' }), 1);
    const adminSocket = await socketOf(admin);
    const gone = sockets.map((s) => disconnected(s));
    const res = await admin.post(`/api/clients/${client.id}/users/${target.id}/remove`, {});
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(await Promise.all(gone)).toEqual(['io server disconnect', 'io server disconnect']);
    await expectAlive(colleague.sockets[0]!);
    await expectAlive(adminSocket);
  });
});
