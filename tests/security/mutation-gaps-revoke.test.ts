import type { Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { appWithSockets, ask, connected, connectSocket, disconnected } from '../support/socket.js';
import { createSession } from '../../server/auth/session.js';
import { sessionCookieName } from '../../server/auth/cookie.js';

/**
 * The sessions ended by name (server/auth/revoke.ts endSessions) really end — the row goes, the
 * cookie is refused for good, and the session's open sockets are closed at once:
 * - signing in again in a browser that holds a session ends the session it brought along;
 * - tightening a client's IP allowlist ends the client's sessions that signed in from outside the
 *   new list (widening it again brings none back), and keeps the ones from inside it.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a));

const idOf = (a: Agent) => a.cookie!.split('=')[1]!.split('.')[0]!;
const rowExists = async (a: Agent) => !!(await app.db.selectFrom('sessions').select('id').where('id', '=', idOf(a)).executeTakeFirst());

async function socketOf(agent: Agent): Promise<Socket> {
  const s = connectSocket(app, agent);
  open.push(s);
  await connected(s);
  return s;
}

describe('a session ended by name', () => {
  it('signing in again in the same browser ends the session it held: its socket closes at once, its cookie is refused', async () => {
    const first = await buildStaff(app.db);
    const second = await buildStaff(app.db);
    const browser = await signIn(app, first);
    const elsewhere = await signIn(app, first);
    const socket = await socketOf(browser);
    const otherSocket = await socketOf(elsewhere);
    const oldCookie = browser.cookie!;
    const gone = disconnected(socket, 3000);
    const res = await browser.post('/api/auth/login', { email: second.email, password: PASSWORD });
    expect(res.status).toBe(200);
    expect(await gone).toBe('io server disconnect');
    expect(browser.cookie).not.toBe(oldCookie);
    const replay = new Agent(app.url);
    replay.cookie = oldCookie;
    expect((await replay.get('/api/session')).status).toBe(401);
    expect(await app.db.selectFrom('sessions').select('id').where('id', '=', oldCookie.split('=')[1]!.split('.')[0]!).execute()).toEqual([]);
    // The person's session in another browser is untouched.
    expect(otherSocket.connected).toBe(true);
    expect(await ask(otherSocket, 'feed:subscribe', { since: null })).toMatchObject({ ok: true });
    expect((await elsewhere.get('/api/session')).status).toBe(200);
  });

  it('a tightened allowlist ends the sessions that signed in from outside it, for good, and keeps the others', async () => {
    const client = await buildClient(app.db);
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const user = await buildPortalUser(app.db, { client_id: client.id });
    const local = await signIn(app, user); // signed in from 127.0.0.1
    const { token } = await createSession(app.db, { userId: user.id, mfaVerified: true, ip: '10.1.2.3', userAgent: 'vitest' }, app.clock(), {
      idleMs: app.config.sessionIdleMs,
      absoluteMs: app.config.sessionAbsoluteMs,
    });
    const remote = new Agent(app.url);
    remote.cookie = `${sessionCookieName(false)}=${token}`;
    const bystander = await signIn(app, await buildPortalUser(app.db)); // another client

    const tighten = await admin.patch(`/api/clients/${client.id}`, { ipAllowlist: ['10.0.0.0/8'], confirm: true });
    expect(tighten.status).toBe(200);
    expect(await rowExists(local)).toBe(false);
    expect(await rowExists(remote)).toBe(true);
    expect(await rowExists(bystander)).toBe(true);

    // Widening the list again does not bring the ended session back.
    expect((await admin.patch(`/api/clients/${client.id}`, { ipAllowlist: [] })).status).toBe(200);
    expect((await local.get('/api/session')).status).toBe(401);
    expect((await remote.get('/api/session')).status).toBe(200);
    expect((await bystander.get('/api/session')).status).toBe(200);
  });
});
