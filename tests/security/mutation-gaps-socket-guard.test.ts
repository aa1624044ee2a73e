import { sql } from 'kysely';
import type { Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { cmid } from '../support/chat.js';
import { appWithSockets, ask, connected, connectSocket, disconnected } from '../support/socket.js';

/**
 * The per-event session re-check (server/realtime/guard.ts), pinned where the mutation run of
 * slice 1 (tests/mutation-survivors.md) found it untested: which events are not activity, the
 * answer for a session that is gone or lost its second factor, the viewer being refreshed (not the
 * handshake's), and a failing check answering instead of going silent.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a), { SESSION_IDLE_MINUTES: '1' });
const track = (s: Socket) => (open.push(s), s);

async function portalSocket(role: 'collaborator' | 'viewer' = 'collaborator') {
  const client = await buildClient(app.db);
  const user = await buildPortalUser(app.db, { client_id: client.id, role });
  const agent = await signIn(app, user);
  const socket = track(connectSocket(app, agent));
  await connected(socket);
  return { client, user, agent, socket };
}

describe('events a browser sends by itself are not activity', () => {
  it.each([
    ['feed:subscribe', () => ({ since: null })],
    ['presence:leave', (clientId: string) => ({ target: { kind: 'channel', id: clientId } })],
  ] as const)('%s every 40 s does not keep a 60 s idle session alive', async (event, payload) => {
    const { client, agent, socket } = await portalSocket();
    app.clock.advance(40_000);
    expect((await ask(socket, event, payload(client.id))).ok).toBe(true);
    app.clock.advance(40_000);
    // 80 s since the sign-in, the last activity: the passive event in between did not count.
    expect((await agent.get('/api/session')).status).toBe(401);
  });
});

/**
 * The server looks at a new socket's session once more just after it connects (server/realtime/io.ts).
 * A change made before that look is over would be caught by it, not by the event under test (seen
 * on PostgreSQL in a full run): one answered event first means the look is done.
 */
async function settled(socket: Socket): Promise<void> {
  expect((await ask(socket, 'feed:subscribe', { since: null })).ok).toBe(true);
}

describe('a session that changed behind the server’s back is refused on the next event', () => {
  it('a session that no longer exists: unauthenticated (not forbidden), and the socket is closed', async () => {
    const { user, socket } = await portalSocket();
    await settled(socket);
    await app.db.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    const gone = disconnected(socket);
    const answer = await ask(socket, 'feed:subscribe', { since: null });
    expect(answer).toEqual({ ok: false, error: { code: 'unauthenticated', message: expect.any(String) } });
    expect(await gone).toBe('io server disconnect');
  });

  it('an event sent without an ack on a session that no longer exists still closes the socket', async () => {
    const { user, socket } = await portalSocket();
    await settled(socket);
    await app.db.deleteFrom('sessions').where('user_id', '=', user.id).execute();
    const gone = disconnected(socket);
    socket.emit('feed:subscribe', { since: null });
    expect(await gone).toBe('io server disconnect');
  });

  it('a session whose second factor is no longer verified: unauthenticated, and the socket is closed', async () => {
    const staff = await buildStaff(app.db);
    const socket = track(connectSocket(app, await signIn(app, staff)));
    await connected(socket);
    await settled(socket);
    await app.db.updateTable('sessions').set({ mfa_verified: 0 }).where('user_id', '=', staff.id).execute();
    const gone = disconnected(socket);
    expect(await ask(socket, 'feed:subscribe', { since: null })).toMatchObject({ ok: false, error: { code: 'unauthenticated' } });
    expect(await gone).toBe('io server disconnect');
  });

  it('a role lowered since the handshake applies to the next event (the viewer is read again, not kept)', async () => {
    const { client, user, socket } = await portalSocket('collaborator');
    expect((await ask(socket, 'message:send', { body: 'before', clientMessageId: cmid() })).ok).toBe(true);
    await app.db.updateTable('users').set({ role: 'viewer' }).where('id', '=', user.id).execute();
    expect(await ask(socket, 'message:send', { body: 'after', clientMessageId: cmid() })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    const bodies = (await app.db.selectFrom('chat_messages').select('body').where('client_id', '=', client.id).execute()).map((m) => m.body);
    expect(bodies).toEqual(['before']);
  });
});

describe('a re-check that fails answers, and does not stall the socket', () => {
  it('the database failing during the check: internal_error ack (logged, not described); the next event is served', async () => {
    const { socket } = await portalSocket();
    await sql`ALTER TABLE firm RENAME TO firm_away`.execute(app.db);
    let answer: any;
    try {
      answer = await ask(socket, 'feed:subscribe', { since: null });
    } finally {
      await sql`ALTER TABLE firm_away RENAME TO firm`.execute(app.db);
    }
    expect(answer).toEqual({ ok: false, error: { code: 'internal_error', message: 'Something went wrong. Please try again.' } });
    expect(app.logs.some((l) => l.msg === 'socket event failed' && l.event === 'feed:subscribe')).toBe(true);
    expect(JSON.stringify(answer)).not.toContain('firm');
    expect(socket.connected).toBe(true);
    expect((await ask(socket, 'feed:subscribe', { since: null })).ok).toBe(true);
  });

  it('the database failing during the check of an event sent without an ack: the socket is served afterwards', async () => {
    const { socket } = await portalSocket();
    await sql`ALTER TABLE firm RENAME TO firm_away`.execute(app.db);
    try {
      socket.emit('feed:subscribe', { since: null });
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      await sql`ALTER TABLE firm_away RENAME TO firm`.execute(app.db);
    }
    expect(await ask(socket, 'feed:subscribe', { since: null })).toMatchObject({ ok: true });
  });
});
