import { sql } from 'kysely';
import type { Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { appWithSockets, ask, connected, connectSocket, disconnected } from '../support/socket.js';

/**
 * The Socket.IO server itself (server/realtime/io.ts), pinned where the mutation run
 * (tests/mutation-survivors.md) found it untested: opening a socket is not activity, a handshake
 * the database fails is refused (and logged) rather than let through, and `access.changed`
 * judges again the sockets of that client only.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a), { SESSION_IDLE_MINUTES: '1', SOCKETS_PER_USER: '3', HOST: '0.0.0.0' });
const track = (s: Socket) => (open.push(s), s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the handshake', () => {
  it('opening a socket is not activity: a socket opened 40 s into a 60 s idle session does not keep it alive', async () => {
    const agent = await signIn(app, await buildPortalUser(app.db));
    app.clock.advance(40_000);
    await connected(track(connectSocket(app, agent)));
    app.clock.advance(40_000);
    // 80 s since the sign-in, the last activity.
    expect((await agent.get('/api/session')).status).toBe(401);
  });

  it('the database failing during the handshake: refused as internal_error (logged, not described); the next handshake is accepted', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    await sql`ALTER TABLE sessions RENAME TO sessions_away`.execute(app.db);
    let refusal: unknown;
    try {
      refusal = await connected(track(connectSocket(app, agent))).then(
        () => null,
        (err: Error) => err,
      );
    } finally {
      await sql`ALTER TABLE sessions_away RENAME TO sessions`.execute(app.db);
    }
    expect(refusal).toBeInstanceOf(Error);
    expect((refusal as Error).message).toBe('internal_error');
    const line = app.logs.find((l) => l.msg === 'socket handshake failed' && l.level === 'error');
    expect(line?.err).toMatchObject({ message: expect.stringContaining('sessions') });
    await connected(track(connectSocket(app, agent)));
  });
});

describe('what the server offers', () => {
  it('does not serve the Socket.IO client bundle (the pages bring their own)', async () => {
    const res = await fetch(`${app.url}/socket.io/socket.io.js`);
    expect(res.headers.get('content-type') ?? '').not.toContain('javascript');
    expect(await res.text()).not.toContain('function');
  });

  it('keeps the socket’s own address for the re-checks: a client allowing exactly this address keeps being served', async () => {
    const client = await buildClient(app.db, { ip_allowlist: JSON.stringify(['127.0.0.1/32']) });
    const s = track(connectSocket(app, await signIn(app, await buildPortalUser(app.db, { client_id: client.id }))));
    await connected(s);
    expect(await ask(s, 'feed:subscribe', { since: null })).toMatchObject({ ok: true });
    expect(s.connected).toBe(true);
  });
});

describe('connections per user', () => {
  it('counts each close once: after closing one of three, exactly one more connects', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    const sockets = [track(connectSocket(app, agent)), track(connectSocket(app, agent)), track(connectSocket(app, agent))];
    await Promise.all(sockets.map((s) => connected(s)));
    await expect(connected(track(connectSocket(app, agent)))).rejects.toThrow('too_many_connections');
    const gone = disconnected(sockets[0]!);
    sockets[0]!.close();
    await gone;
    await sleep(100);
    await connected(track(connectSocket(app, agent)));
    await expect(connected(track(connectSocket(app, agent)))).rejects.toThrow('too_many_connections');
  });
});

describe('access.changed', () => {
  it('judges again the sockets of that client only: another client’s socket is left to its next event', async () => {
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const a = await buildClient(app.db);
    const b = await buildClient(app.db);
    // The sessions are made from 127.0.0.1; the sockets come from 127.0.0.2 (the app listens on every loopback address).
    const from = async (clientId: string) => {
      const agent = await signIn(app, await buildPortalUser(app.db, { client_id: clientId }));
      return track(
        connectSocket({ ...app, url: app.server.url.replace('localhost', '127.0.0.1') } as TestApp, agent, { localAddress: '127.0.0.2', origin: app.url }),
      );
    };
    const sa = await from(a.id);
    const sb = await from(b.id);
    const staff = track(connectSocket(app, admin));
    await Promise.all([connected(sa), connected(sb), connected(staff)]);
    // B's allowlist stops allowing the sockets' address behind the server's back (no announcement for B).
    await app.db
      .updateTable('clients')
      .set({ ip_allowlist: JSON.stringify(['127.0.0.1/32']) })
      .where('id', '=', b.id)
      .execute();
    // A's does the same through the API; the sessions' own address stays allowed, so no session ends:
    // only the re-judging of A's sockets on access.changed can close A's.
    const res = await admin.patch(`/api/clients/${a.id}`, { ipAllowlist: ['127.0.0.1/32'] });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    await sleep(300);
    expect(sa.connected).toBe(false);
    expect(sb.connected).toBe(true);
    expect(staff.connected).toBe(true);
    // B's socket meets the change on its next event.
    expect(await ask(sb, 'feed:subscribe', { since: null })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });

  it('a change that leaves the client’s users their access keeps their sockets, and the re-check is not activity', async () => {
    const client = await buildClient(app.db);
    const agent = await signIn(app, await buildPortalUser(app.db, { client_id: client.id }));
    const s = track(connectSocket(app, agent));
    await connected(s);
    app.clock.advance(40_000);
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    expect((await admin.patch(`/api/clients/${client.id}`, { modules: { chat: false }, confirm: true })).status).toBe(200);
    await sleep(300);
    expect(s.connected).toBe(true);
    app.clock.advance(40_000);
    // 80 s since the sign-in: the re-check at 40 s did not count as activity.
    expect((await agent.get('/api/session')).status).toBe(401);
  });
});
