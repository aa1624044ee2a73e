import { describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding } from '../support/workspace.js';
import { appWithSockets, ask, connected, connectSocket, disconnected, feedSocket } from '../support/socket.js';

/**
 * Hostile input on the socket: nothing a client sends may change anything it is not allowed to,
 * crash the process, or disturb other people's connections.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a), { SOCKETS_PER_USER: '3' });
const track = (s: Socket) => (open.push(s), s);

describe('malformed events get an error ack and change nothing', () => {
  it.each([
    // Not one plain object: refused before any schema (bad_request); a plain object the schema refuses: validation_failed.
    ['a string payload', 'feed:subscribe', 'since=0', 'bad_request'],
    ['a number payload', 'feed:subscribe', 42, 'bad_request'],
    ['an array payload', 'feed:subscribe', [{ since: 0 }], 'bad_request'],
    ['null', 'feed:subscribe', null, 'bad_request'],
    ['a binary payload', 'feed:subscribe', Buffer.from('{}'), 'bad_request'],
    ['a wrong type', 'feed:subscribe', { since: '0' }, 'validation_failed'],
    ['a negative cursor', 'feed:subscribe', { since: -1 }, 'validation_failed'],
    ['an unknown key', 'feed:subscribe', { since: 0, room: 'client:other:portal' }, 'validation_failed'],
    ['a __proto__ key', 'feed:subscribe', JSON.parse('{"since":0,"__proto__":{"polluted":true}}'), 'validation_failed'],
    ['a constructor key', 'presence:join', { target: { kind: 'finding', id: 'x' }, constructor: { prototype: { polluted: true } } }, 'validation_failed'],
    ['an unknown presence kind', 'presence:join', { target: { kind: 'room', id: 'client:x:staff' } }, 'validation_failed'],
    ['an over-long id', 'presence:join', { target: { kind: 'finding', id: 'x'.repeat(500) } }, 'validation_failed'],
    ['an unknown event', 'room:join', { room: 'client:x:staff' }, 'bad_request'],
    ['typing before joining', 'typing:start', { target: { kind: 'channel', id: 'x' } }, 'not_found'],
  ])('%s', async (_name, event, payload, code) => {
    const agent = await signIn(app, await buildPortalUser(app.db));
    const s = track(connectSocket(app, agent));
    await connected(s);
    const answer = await ask(s, event, payload);
    expect(answer.ok).toBe(false);
    expect(answer.error.code).toBe(code);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(s.connected).toBe(true);
  });

  it('one payload and the ack, nothing more: a second argument is refused (bad_request), a known event’s own answer otherwise', async () => {
    const agent = await signIn(app, await buildPortalUser(app.db));
    const s = track(connectSocket(app, agent));
    await connected(s);
    expect(await s.timeout(5000).emitWithAck('feed:subscribe', { since: null }, 'extra')).toEqual({
      ok: false,
      error: { code: 'bad_request', message: 'The feed:subscribe event expects one object and an acknowledgement.' },
    });
    expect(await s.timeout(5000).emitWithAck('feed:subscribe')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await ask(s, 'room:join', {})).toEqual({ ok: false, error: { code: 'bad_request', message: 'Unknown event.' } });
    expect((await ask(s, 'feed:subscribe', { since: null })).ok).toBe(true);
  });

  it('an event without an ack is ignored, and the connection keeps working', async () => {
    const agent = await signIn(app, await buildPortalUser(app.db));
    const s = track(connectSocket(app, agent));
    await connected(s);
    s.emit('feed:subscribe', { since: 0 });
    s.emit('no:such:event', { a: 1 });
    expect((await ask(s, 'feed:subscribe', { since: null })).ok).toBe(true);
  });

  it('a payload over 64 KB closes only that connection; others are unaffected and the server serves on', async () => {
    const agent = await signIn(app, await buildPortalUser(app.db));
    const bystander = await feedSocket(app, await signIn(app, await buildPortalUser(app.db)));
    track(bystander.socket);
    const s = track(connectSocket(app, agent));
    await connected(s);
    const gone = disconnected(s);
    s.emit('feed:subscribe', { since: 0, pad: 'x'.repeat(70 * 1024) }, () => undefined);
    await gone;
    expect(bystander.socket.connected).toBe(true);
    expect((await ask(bystander.socket, 'feed:subscribe', { since: null })).ok).toBe(true);
    expect((await fetch(`${app.url}/healthz`)).status).toBe(200);
  });

  it('a portal user cannot join presence on another client’s finding or channel, or on a draft (404, as for a made-up id)', async () => {
    const a = await buildClient(app.db);
    const b = await buildClient(app.db);
    const agent = await signIn(app, await buildPortalUser(app.db, { client_id: a.id }));
    const s = track(connectSocket(app, agent));
    await connected(s);
    const otherFinding = await buildFinding(app.db, { client_id: b.id, published: true });
    const draft = await buildFinding(app.db, { client_id: a.id });
    const own = await buildFinding(app.db, { client_id: a.id, published: true });
    for (const target of [
      { kind: 'finding', id: otherFinding.id },
      { kind: 'finding', id: draft.id },
      { kind: 'channel', id: b.id },
      { kind: 'finding', id: 'made-up' },
    ]) {
      expect(await ask(s, 'presence:join', { target })).toMatchObject({ ok: false, error: { code: 'not_found' } });
    }
    expect(await ask(s, 'presence:join', { target: { kind: 'finding', id: own.id } })).toMatchObject({ ok: true });
    expect(await ask(s, 'presence:join', { target: { kind: 'channel', id: a.id } })).toMatchObject({ ok: true });
  });
});

describe('limits', () => {
  it('refuses one connection more than SOCKETS_PER_USER, and accepts again after one closes', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    const sockets = [0, 1, 2].map(() => track(connectSocket(app, agent)));
    await Promise.all(sockets.map((s) => connected(s)));
    await expect(connected(track(connectSocket(app, agent)))).rejects.toThrow('too_many_connections');
    // Another person is not affected by this user's limit.
    await connected(track(connectSocket(app, await signIn(app, await buildStaff(app.db)))));
    const closed = sockets[0]!;
    closed.close();
    await new Promise((r) => setTimeout(r, 100));
    await connected(track(connectSocket(app, agent)));
  });

  it('typing indicators are rate limited per user', async () => {
    const a = await buildClient(app.db);
    const agent = await signIn(app, await buildPortalUser(app.db, { client_id: a.id }));
    const s = track(connectSocket(app, agent));
    await connected(s);
    await ask(s, 'presence:join', { target: { kind: 'channel', id: a.id } });
    const answers = await Promise.all(Array.from({ length: 30 }, () => ask(s, 'typing:start', { target: { kind: 'channel', id: a.id } })));
    expect(answers.filter((x) => x.ok).length).toBeGreaterThan(0);
    const limited = answers.filter((x) => !x.ok && x.error.code === 'rate_limited');
    expect(limited.length).toBeGreaterThan(20);
    // The HTTP API's error shape, with when to try again.
    expect(limited[0].error).toEqual({
      code: 'rate_limited',
      message: 'You are sending too fast. Please wait a moment.',
      details: { retryAfterSeconds: expect.any(Number) },
    });
    expect(limited[0].error.details.retryAfterSeconds).toBeGreaterThan(0);
  });
});
