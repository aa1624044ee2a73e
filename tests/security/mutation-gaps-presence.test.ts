import type { Socket } from 'socket.io-client';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding } from '../support/workspace.js';
import { appWithSockets, ask, connected, connectSocket, recordAll, until } from '../support/socket.js';
import type { UserRow } from '../../db/schema.js';

/**
 * Presence and typing rooms (server/realtime/presence.ts), pinned where the mutation run
 * (tests/mutation-survivors.md) found them untested: who a join / leave / disconnect announces
 * and to whom (one entry per person, sorted by name, exactly id, name and kind), the limit of
 * open rooms per connection, the typing payload and who hears it, and a room emptied or typed in
 * alone not turning into an emission to every socket of the server.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a));
const track = (s: Socket) => (open.push(s), s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function socketOf(user: UserRow): Promise<Socket> {
  const s = track(connectSocket(app, await signIn(app, user)));
  await connected(s);
  return s;
}
const member = (u: UserRow) => ({ id: u.id, name: u.name, kind: u.kind });
/** A socket of someone else, in no presence room: it must hear nothing of any room. */
async function bystander(): Promise<ReturnType<typeof recordAll>> {
  return recordAll(await socketOf(await buildStaff(app.db, { name: 'By Stander' })));
}

describe('who is here', () => {
  it('a join answers one entry per person, sorted by name, as exactly id, name and kind; the others hear the same list', async () => {
    const client = await buildClient(app.db);
    const target = { kind: 'channel', id: client.id };
    const zed = await buildStaff(app.db, { name: 'Zed Zimmer' });
    const mia = await buildStaff(app.db, { name: 'Mia Mueller' });
    const anna = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator', name: 'Anna Abel' });
    const zed1 = await socketOf(zed);
    const heardByZed = recordAll(zed1);

    expect(await ask(zed1, 'presence:join', { target })).toEqual({ ok: true, present: [member(zed)] });
    expect(await ask(await socketOf(mia), 'presence:join', { target })).toEqual({ ok: true, present: [member(mia), member(zed)] });
    const all = [member(anna), member(mia), member(zed)];
    expect(await ask(await socketOf(anna), 'presence:join', { target })).toEqual({ ok: true, present: all });
    // A second tab of the same person: still one entry.
    expect(await ask(await socketOf(zed), 'presence:join', { target })).toEqual({ ok: true, present: all });

    await until(() => heardByZed.ofType('presence:changed').length === 4, 'four announcements');
    expect(heardByZed.ofType('presence:changed')).toEqual([
      { target, present: [member(zed)] },
      { target, present: [member(mia), member(zed)] },
      { target, present: all },
      { target, present: all },
    ]);
  });

  it('a leave takes the socket out and tells the others; leaving again, or a room never joined, tells nobody', async () => {
    const client = await buildClient(app.db);
    const target = { kind: 'channel', id: client.id };
    const stay = await buildStaff(app.db, { name: 'Stay Here' });
    const go = await buildStaff(app.db, { name: 'Go Away' });
    const s1 = await socketOf(stay);
    const s2 = await socketOf(go);
    for (const s of [s1, s2]) expect((await ask(s, 'presence:join', { target })).ok).toBe(true);
    const heard = { stay: recordAll(s1), go: recordAll(s2) };
    const others = await bystander();

    expect(await ask(s2, 'presence:leave', { target })).toEqual({ ok: true });
    await until(() => heard.stay.ofType('presence:changed').length === 1, 'the announcement of the leave');
    expect(heard.stay.ofType('presence:changed')).toEqual([{ target, present: [member(stay)] }]);
    expect(app.server.io.of('/').adapter.rooms.get(`channel:${client.id}`)?.has(s2.id!)).toBe(false);

    // Leaving again, and leaving a room never joined: nothing to announce.
    expect(await ask(s2, 'presence:leave', { target })).toEqual({ ok: true });
    expect(await ask(s2, 'presence:leave', { target: { kind: 'channel', id: (await buildClient(app.db)).id } })).toEqual({ ok: true });
    // The one who left can no longer type there.
    expect(await ask(s2, 'typing:start', { target })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await sleep(200);
    expect(heard.stay.ofType('presence:changed')).toHaveLength(1);
    expect(heard.go.events).toEqual([]);
    expect(others.events).toEqual([]);
  });

  it('the last one leaving an emptied room is announced to nobody (not to every socket of the server)', async () => {
    const client = await buildClient(app.db);
    const target = { kind: 'channel', id: client.id };
    const s = await socketOf(await buildStaff(app.db, { name: 'Last One' }));
    expect((await ask(s, 'presence:join', { target })).ok).toBe(true);
    const heard = recordAll(s);
    const others = await bystander();
    expect(await ask(s, 'presence:leave', { target })).toEqual({ ok: true });
    await sleep(200);
    expect(heard.events).toEqual([]);
    expect(others.events).toEqual([]);
  });

  it('a disconnect is announced in every room the socket was in', async () => {
    const client = await buildClient(app.db);
    const finding = await buildFinding(app.db, { client_id: client.id, published: true });
    const targets = [
      { kind: 'channel', id: client.id },
      { kind: 'finding', id: finding.id },
    ];
    const stay = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator', name: 'Stay Here' });
    const go = await buildStaff(app.db, { name: 'Go Away' });
    const s1 = await socketOf(stay);
    const s2 = await socketOf(go);
    for (const s of [s1, s2]) for (const target of targets) expect((await ask(s, 'presence:join', { target })).ok).toBe(true);
    const heard = recordAll(s1);
    s2.close();
    await until(() => heard.ofType('presence:changed').length === 2, 'both rooms told');
    expect(heard.ofType('presence:changed')).toEqual(expect.arrayContaining(targets.map((target) => ({ target, present: [member(stay)] }))));
  });

  it('the others in the room hear that a portal user who lost access is gone', async () => {
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const client = await buildClient(app.db);
    const target = { kind: 'channel', id: client.id };
    const analyst = await buildStaff(app.db, { name: 'Ana Lyst' });
    const person = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator', name: 'Pat Person' });
    const sa = await socketOf(analyst);
    const sp = await socketOf(person);
    for (const s of [sa, sp]) expect((await ask(s, 'presence:join', { target })).ok).toBe(true);
    const heard = recordAll(sa);
    expect((await admin.patch(`/api/clients/${client.id}`, { modules: { chat: false }, confirm: true })).status).toBe(200);
    await until(() => heard.ofType('presence:changed').length >= 1, 'the others told');
    expect(heard.ofType('presence:changed').at(-1)).toEqual({ target, present: [member(analyst)] });
  });
});

describe('open rooms per connection', () => {
  it('the 21st room on one connection is refused; a room already open can be joined again; after a leave there is room again', async () => {
    const clients = [];
    for (let i = 0; i < 21; i++) clients.push(await buildClient(app.db));
    const targets = clients.map((c) => ({ kind: 'channel', id: c.id }));
    const staff = await buildStaff(app.db);
    const s = await socketOf(staff);
    for (const target of targets.slice(0, 20)) expect((await ask(s, 'presence:join', { target })).ok).toBe(true);
    expect(await ask(s, 'presence:join', { target: targets[20] })).toEqual({
      ok: false,
      error: { code: 'bad_request', message: 'Too many open pages on one connection. Close some tabs, then reload.' },
    });
    expect((await ask(s, 'presence:join', { target: targets[0] })).ok).toBe(true);
    // Another connection of the same person has its own 20.
    expect((await ask(await socketOf(staff), 'presence:join', { target: targets[20] })).ok).toBe(true);
    expect((await ask(s, 'presence:leave', { target: targets[3] })).ok).toBe(true);
    expect((await ask(s, 'presence:join', { target: targets[20] })).ok).toBe(true);
  });
});

describe('typing', () => {
  it('goes to the others in the room as target, user and typing, not back to the typer nor outside the room', async () => {
    const client = await buildClient(app.db);
    const finding = await buildFinding(app.db, { client_id: client.id, published: true });
    const target = { kind: 'finding', id: finding.id };
    const typer = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator', name: 'Tia Typer' });
    const st = await socketOf(typer);
    const sr = await socketOf(await buildStaff(app.db, { name: 'Reed Reader' }));
    for (const s of [st, sr]) expect((await ask(s, 'presence:join', { target })).ok).toBe(true);
    const heard = { typer: recordAll(st), reader: recordAll(sr) };
    const others = await bystander();

    expect(await ask(st, 'typing:start', { target })).toEqual({ ok: true });
    expect(await ask(st, 'typing:stop', { target })).toEqual({ ok: true });
    await until(() => heard.reader.ofType('typing:changed').length === 2, 'start and stop heard');
    expect(heard.reader.ofType('typing:changed')).toEqual([
      { target, user: member(typer), typing: true },
      { target, user: member(typer), typing: false },
    ]);
    await sleep(100);
    expect(heard.typer.events).toEqual([]);
    expect(others.events).toEqual([]);
  });

  it('typing alone in a room reaches nobody (not every socket of the server)', async () => {
    const client = await buildClient(app.db);
    const target = { kind: 'channel', id: client.id };
    const s = await socketOf(await buildStaff(app.db, { name: 'Solo Typer' }));
    expect((await ask(s, 'presence:join', { target })).ok).toBe(true);
    const heard = recordAll(s);
    const others = await bystander();
    expect(await ask(s, 'typing:start', { target })).toEqual({ ok: true });
    expect(await ask(s, 'typing:stop', { target })).toEqual({ ok: true });
    await sleep(200);
    expect(heard.events).toEqual([]);
    expect(others.events).toEqual([]);
  });

  it('a socket that lost access without an announcement cannot type into the room: not found, and nobody hears it', async () => {
    const client = await buildClient(app.db);
    const finding = await buildFinding(app.db, { client_id: client.id, published: true });
    const target = { kind: 'finding', id: finding.id };
    const sp = await socketOf(await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' }));
    const ss = await socketOf(await buildStaff(app.db));
    for (const s of [sp, ss]) expect((await ask(s, 'presence:join', { target })).ok).toBe(true);
    const heard = recordAll(ss);
    // Withdrawn behind this instance's back: no access.changed, the socket is still in its list of rooms.
    await app.db.updateTable('findings').set({ published: 0 }).where('id', '=', finding.id).execute();
    expect(await ask(sp, 'typing:start', { target })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await sleep(100);
    expect(heard.ofType('typing:changed')).toEqual([]);
  });

  it('in a room the socket has not joined: not found, and nobody in it hears anything', async () => {
    const client = await buildClient(app.db);
    const target = { kind: 'channel', id: client.id };
    const inside = await socketOf(await buildStaff(app.db));
    expect((await ask(inside, 'presence:join', { target })).ok).toBe(true);
    const heard = recordAll(inside);
    const outsider = await socketOf(await buildStaff(app.db));
    for (const event of ['typing:start', 'typing:stop']) {
      expect(await ask(outsider, event, { target })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    await sleep(100);
    expect(heard.events).toEqual([]);
  });
});
