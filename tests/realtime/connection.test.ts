import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { appWithSockets, connected, connectSocket, disconnected } from '../support/socket.js';
import { endClientSessions, endUserSessions } from '../../server/auth/revoke.js';
import type { Socket } from 'socket.io-client';

let app: TestApp;
const open = appWithSockets((a) => void (app = a));
const track = (s: Socket) => (open.push(s), s);

describe('the Socket.IO handshake', () => {
  it('accepts a fully signed-in session from our own origin', async () => {
    const agent = await signIn(app, await buildPortalUser(app.db));
    await connected(track(connectSocket(app, agent)));
  });

  it.each([
    ['a foreign Origin', async () => ({ agent: await signIn(app, await buildStaff(app.db)), origin: 'https://evil.example' })],
    ['no cookie', async () => ({ agent: null, origin: undefined })],
    ['an MFA-pending cookie', async () => ({ agent: await signIn(app, await buildPortalUser(app.db), { mfaVerified: false }), origin: undefined })],
  ])('refuses %s', async (_name, make) => {
    const { agent, origin } = await make();
    await expect(connected(track(connectSocket(app, agent, { origin })))).rejects.toThrow();
  });

  it('refuses a removed user’s cookie', async () => {
    const user = await buildPortalUser(app.db);
    const agent = await signIn(app, user);
    await app.db.updateTable('users').set({ status: 'removed' }).where('id', '=', user.id).execute();
    await expect(connected(track(connectSocket(app, agent)))).rejects.toThrow('unauthenticated');
  });

  it('refuses a client whose portal is off', async () => {
    const client = await buildClient(app.db, { portal_enabled: 0 });
    const agent = await signIn(app, await buildPortalUser(app.db, { client_id: client.id }));
    await expect(connected(track(connectSocket(app, agent)))).rejects.toThrow('unauthenticated');
  });
});

describe('revocation is immediate', () => {
  it('removing a portal user disconnects all three sockets of their two browsers within 1 s, and both cookies get 401', async () => {
    const user = await buildPortalUser(app.db);
    const other = await signIn(app, await buildPortalUser(app.db, { client_id: user.client_id! }));
    const browser1 = await signIn(app, user);
    const browser2 = await signIn(app, user);
    const sockets = [connectSocket(app, browser1), connectSocket(app, browser1), connectSocket(app, browser2)].map(track);
    await Promise.all(sockets.map((s) => connected(s)));
    const bystander = track(connectSocket(app, other));
    await connected(bystander);

    const started = Date.now();
    const gone = Promise.all(sockets.map((s) => disconnected(s, 1000)));
    await app.db.updateTable('users').set({ status: 'removed' }).where('id', '=', user.id).execute();
    await endUserSessions(app.deps, user.id, 'removed');
    await gone;
    expect(Date.now() - started).toBeLessThan(1000);
    expect((await browser1.get('/api/session')).status).toBe(401);
    expect((await browser2.get('/api/session')).status).toBe(401);
    expect(bystander.connected).toBe(true);
  });

  it('switching a client’s portal off disconnects its users and nobody else', async () => {
    const clientA = await buildClient(app.db);
    const a = track(connectSocket(app, await signIn(app, await buildPortalUser(app.db, { client_id: clientA.id }))));
    const b = track(connectSocket(app, await signIn(app, await buildPortalUser(app.db))));
    const staff = track(connectSocket(app, await signIn(app, await buildStaff(app.db))));
    await Promise.all([a, b, staff].map((s) => connected(s)));
    const gone = disconnected(a, 1000);
    await app.db.updateTable('clients').set({ portal_enabled: 0 }).where('id', '=', clientA.id).execute();
    await endClientSessions(app.deps, clientA.id, 'portal_disabled');
    await gone;
    expect(b.connected && staff.connected).toBe(true);
  });

  it('logout disconnects that session’s sockets and leaves the user’s other session alone', async () => {
    const user = await buildStaff(app.db);
    const one = await signIn(app, user);
    const two = await signIn(app, user);
    const s1 = track(connectSocket(app, one));
    const s2 = track(connectSocket(app, two));
    await Promise.all([connected(s1), connected(s2)]);
    const gone = disconnected(s1, 1000);
    expect((await one.post('/api/auth/logout')).status).toBe(200);
    await gone;
    expect(s2.connected).toBe(true);
  });

  it('a password change closes the replaced session’s socket once the answer with the new cookie has gone out, and the new cookie connects', async () => {
    const user = await buildStaff(app.db);
    const agent = await signIn(app, user);
    const before = track(connectSocket(app, agent));
    await connected(before);
    const gone = disconnected(before, 1500);
    const res = await agent.post('/api/profile/password', { currentPassword: PASSWORD, newPassword: 'a brand new passphrase 77' });
    expect(res.status).toBe(204);
    expect(await gone).toBe('io server disconnect');
    // The agent holds the new cookie from the answer: it works over HTTP and opens a socket.
    expect((await agent.get('/api/profile')).status).toBe(200);
    await connected(track(connectSocket(app, agent)));
  });

  it('an expired session’s socket is disconnected within about a second, without any request', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    const s = track(connectSocket(app, agent));
    await connected(s);
    const gone = disconnected(s, 2500);
    app.clock.advance(app.config.sessionIdleMs + 1000);
    await gone;
  });
});
