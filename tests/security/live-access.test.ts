import type { Socket } from 'socket.io-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding } from '../support/workspace.js';
import { cmid } from '../support/chat.js';
import { ask, connected, connectSocket, disconnected, feedSocket, recordAll, until } from '../support/socket.js';
import type { Agent } from '../support/http.js';

/**
 * Live connections follow access as it changes, not as it was at the handshake: the socket's own
 * address against a tightened allowlist, presence and typing rooms after a finding is withdrawn or
 * a module switched off, activity over the socket keeping a session alive, and reserved event names.
 */

let app: TestApp;
const open: Socket[] = [];
const track = (s: Socket) => (open.push(s), s);
/** The app listens on every loopback address, so sockets can come from 127.0.0.2 and 127.0.0.3. */
let loopbackApp: TestApp;

beforeAll(async () => {
  app = await startTestApp({ HOST: '0.0.0.0' });
  loopbackApp = { ...app, url: app.server.url.replace('localhost', '127.0.0.1') } as TestApp;
});
afterAll(async () => {
  open.forEach((s) => s.close());
  await app.close();
});

const from = (agent: Agent, address: string) => track(connectSocket(loopbackApp, agent, { localAddress: address, origin: app.url }));
const messagesIn = async (clientId: string) =>
  (await app.db.selectFrom('chat_messages').select('body').where('client_id', '=', clientId).execute()).map((m) => m.body);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('a tightened IP allowlist', () => {
  it('ends, within a second, the open sockets whose own address it no longer allows; sockets inside it keep working', async () => {
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const client = await buildClient(app.db);
    // One session (created from 127.0.0.1, allowed below), used from two places before the list is set.
    const person = await signIn(app, await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' }));
    const office = from(person, '127.0.0.2');
    const cafe = from(person, '127.0.0.3');
    await Promise.all([connected(office), connected(cafe)]);
    expect((await ask(office, 'feed:subscribe', { since: null })).ok).toBe(true);
    expect((await ask(cafe, 'feed:subscribe', { since: null })).ok).toBe(true);
    const gone = disconnected(cafe, 1000 + 500);

    const set = await admin.patch(`/api/clients/${client.id}`, { ipAllowlist: ['127.0.0.1/32', '127.0.0.2/32'] });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    const t0 = Date.now();
    expect(await gone).toBe('io server disconnect');
    expect(Date.now() - t0).toBeLessThan(1000);

    // The office socket is untouched: it sends and receives.
    expect(office.connected).toBe(true);
    const heard = recordAll(office);
    expect((await ask(office, 'message:send', { body: 'from the office', clientMessageId: cmid() })).ok).toBe(true);
    await until(() => heard.ofType('message:created').length === 1, 'the office hears its own message');
    expect(await messagesIn(client.id)).toEqual(['from the office']);
  });

  it('is checked on every socket event against the socket’s own address (even without a change being announced)', async () => {
    const client = await buildClient(app.db);
    const person = await signIn(app, await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' }));
    const cafe = from(person, '127.0.0.3');
    await connected(cafe);
    // The list changes behind the server's back (another instance, a restore): no announcement reaches this one.
    await app.db
      .updateTable('clients')
      .set({ ip_allowlist: JSON.stringify(['127.0.0.1/32']) })
      .where('id', '=', client.id)
      .execute();
    const gone = disconnected(cafe);
    const answer = await ask(cafe, 'message:send', { body: 'from the café', clientMessageId: cmid() });
    expect(answer).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await gone).toBe('io server disconnect');
    expect(await messagesIn(client.id)).toEqual([]);
  });
});

describe('presence and typing rooms', () => {
  async function room(opts: { kind: 'finding' | 'channel' }) {
    const admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const client = await buildClient(app.db);
    const finding = await buildFinding(app.db, { client_id: client.id, published: true });
    const target = opts.kind === 'finding' ? { kind: 'finding', id: finding.id } : { kind: 'channel', id: client.id };
    const analyst = track((await feedSocket(app, await signIn(app, await buildStaff(app.db, { name: 'Ana Lyst' })))).socket);
    const colleague = track((await feedSocket(app, await signIn(app, await buildStaff(app.db)))).socket);
    const person = track((await feedSocket(app, await signIn(app, await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' })))).socket);
    for (const s of [analyst, colleague, person]) expect((await ask(s, 'presence:join', { target })).ok).toBe(true);
    const heard = { colleague: recordAll(colleague), person: recordAll(person) };
    /** The analyst types; the colleague (always allowed) hears it; returns whether the portal user did too. */
    const personHearsTyping = async () => {
      const before = heard.colleague.ofType('typing:changed').length;
      const personBefore = heard.person.ofType('typing:changed').length;
      expect((await ask(analyst, 'typing:start', { target })).ok).toBe(true);
      await until(() => heard.colleague.ofType('typing:changed').length > before, 'the colleague hears the analyst typing');
      await sleep(100);
      return heard.person.ofType('typing:changed').length > personBefore;
    };
    expect(await personHearsTyping()).toBe(true);
    return { admin, client, finding, target, person, personHearsTyping };
  }

  it.each([
    ['the finding is unpublished', 'finding', (w: any) => w.admin.post(`/api/findings/${w.finding.id}/unpublish`)],
    [
      'the Findings module is switched off',
      'finding',
      (w: any) => w.admin.patch(`/api/clients/${w.client.id}`, { modules: { findings: false }, confirm: true }),
    ],
    ['the Chat module is switched off', 'channel', (w: any) => w.admin.patch(`/api/clients/${w.client.id}`, { modules: { chat: false }, confirm: true })],
  ] as const)('a portal socket leaves the room within a second when %s', async (_name, kind, change) => {
    const w = await room({ kind });
    const roomName = `${w.target.kind}:${w.target.id}`;
    const inRoom = () => app.server.io.of('/').adapter.rooms.get(roomName)?.has(w.person.id!) ?? false;
    expect(inRoom()).toBe(true);
    const res = await change(w);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    // Taken out by the change itself, before anyone emits into the room.
    await until(() => !inRoom(), 'the portal socket leaving the room', 1000);
    expect(await w.personHearsTyping()).toBe(false);
    // And it cannot type into the room it was removed from.
    expect(await ask(w.person, 'typing:start', { target: w.target })).toMatchObject({ ok: false, error: { code: 'not_found' } });
  });

  it('every typing emission checks current access (a change no announcement told this instance about)', async () => {
    const w = await room({ kind: 'finding' });
    await app.db.updateTable('findings').set({ published: 0 }).where('id', '=', w.finding.id).execute();
    expect(await w.personHearsTyping()).toBe(false);
  });

  it.each([
    ['finding', 'the client’s portal is switched off', { portal_enabled: 0 }],
    ['finding', 'the client is archived', { archived_at: 1 }],
    ['channel', 'the client’s portal is switched off', { portal_enabled: 0 }],
    ['channel', 'the client is archived', { archived_at: 1 }],
  ] as const)('every typing emission in a %s room checks current access: %s, unannounced', async (kind, _name, change) => {
    const w = await room({ kind });
    await app.db.updateTable('clients').set(change).where('id', '=', w.client.id).execute();
    expect(await w.personHearsTyping()).toBe(false);
  });

  it('nobody, staff included, joins the room of a finding or channel that does not exist (404)', async () => {
    const client = await buildClient(app.db);
    const staff = track((await feedSocket(app, await signIn(app, await buildStaff(app.db, { role: 'admin' })))).socket);
    const person = track((await feedSocket(app, await signIn(app, await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' })))).socket);
    for (const s of [staff, person]) {
      for (const target of [
        { kind: 'finding', id: 'no-such-finding' },
        { kind: 'channel', id: 'no-such-client' },
      ]) {
        expect(await ask(s, 'presence:join', { target })).toMatchObject({ ok: false, error: { code: 'not_found' } });
      }
    }
  });

  it('presence announcements no longer name the room to a socket that lost access', async () => {
    const w = await room({ kind: 'channel' });
    await app.db
      .updateTable('clients')
      .set({ modules: JSON.stringify({ chat: false }) })
      .where('id', '=', w.client.id)
      .execute();
    const heard = recordAll(w.person);
    const late = track((await feedSocket(app, await signIn(app, await buildStaff(app.db, { name: 'Late Comer' })))).socket);
    expect((await ask(late, 'presence:join', { target: w.target })).ok).toBe(true);
    await sleep(200);
    expect(heard.ofType('presence:changed')).toEqual([]);
  });
});

describe('activity over the socket', () => {
  let quick: TestApp;
  beforeAll(async () => {
    quick = await startTestApp({ SESSION_IDLE_MINUTES: '1' });
  });
  afterAll(() => quick.close());

  it('keeps the session of someone who only chats and types through the socket alive', async () => {
    const client = await buildClient(quick.db);
    const agent = await signIn(quick, await buildPortalUser(quick.db, { client_id: client.id, role: 'collaborator' }));
    const s = track((await feedSocket(quick, agent)).socket);
    const target = { kind: 'channel', id: client.id };
    const actions: [string, () => unknown][] = [
      ['presence:join', () => ({ target })],
      ['typing:start', () => ({ target })],
      ['message:send', () => ({ body: 'still here', clientMessageId: cmid() })],
      ['typing:stop', () => ({ target })],
    ];
    // Two idle periods pass in all, with a socket action every 40 s of a 60 s idle timeout.
    for (const [event, payload] of actions) {
      quick.clock.advance(40_000);
      const answer = await ask(s, event, payload());
      expect(answer.ok, `${event}: ${JSON.stringify(answer)}`).toBe(true);
    }
    expect(s.connected).toBe(true);
    expect((await agent.get('/api/session')).status).toBe(200);
  });

  it('does not count merely holding a socket open', async () => {
    const agent = await signIn(quick, await buildPortalUser(quick.db));
    const s = track((await feedSocket(quick, agent)).socket);
    const gone = disconnected(s, 3000);
    quick.clock.advance(61_000);
    expect(await gone).toBe('io server disconnect');
    expect((await agent.get('/api/session')).status).toBe(401);
  });
});

describe('reserved event names', () => {
  /** Send an event packet as a raw client would (socket.io-client refuses some reserved names itself). */
  const rawAsk = (s: Socket, event: string) =>
    new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no ack')), 3000);
      const id = 9000 + Math.floor(Math.random() * 1000);
      (s as any).acks[id] = (a: unknown) => (clearTimeout(t), resolve(a));
      (s as any).packet({ type: 2, data: [event, {}], id });
    });

  it('an error event (a name the library itself listens to) gets a bad_request ack like any unknown event', async () => {
    const s = track(connectSocket(app, await signIn(app, await buildStaff(app.db))));
    await connected(s);
    expect(await rawAsk(s, 'error')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await rawAsk(s, 'room:join')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(s.connected).toBe(true);
  });

  it('names the protocol reserves (disconnect, disconnecting, newListener…) close that connection cleanly, and the connection count stays honest', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    const sockets = Array.from({ length: 20 }, () => track(connectSocket(app, agent)));
    await Promise.all(sockets.map((m) => connected(m)));
    for (const [i, event] of ['disconnect', 'disconnecting', 'newListener', 'removeListener', 'connect'].entries()) {
      const s = sockets[i]!;
      const gone = disconnected(s);
      (s as any).packet({ type: 2, data: [event, 'forged'] });
      expect(await gone).toMatch(/disconnect|close/);
    }
    // SOCKETS_PER_USER (20): 15 remain, so exactly 5 more connect and the next is refused.
    const more = Array.from({ length: 5 }, () => track(connectSocket(app, agent)));
    await Promise.all(more.map((m) => connected(m)));
    await expect(connected(track(connectSocket(app, agent)))).rejects.toThrow('too_many_connections');
  });
});
