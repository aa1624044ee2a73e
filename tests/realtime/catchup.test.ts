import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding } from '../support/workspace.js';
import { appWithSockets, feedSocket, recordAll, until } from '../support/socket.js';

/**
 * Issue 5, "nothing lost, nothing twice": a socket is cut, 100 comments and chat messages are
 * made meanwhile, it reconnects with its last position → all 100 arrive, once each, in order.
 * The same across a server restart. Then live delivery resumes with no repeats.
 */

let app: TestApp;
// A high send budget: this test is about delivery, not the rate limit.
const open = appWithSockets((a) => void (app = a), { MESSAGE_BURST: '500', MESSAGE_RATE_PER_MINUTE: '100000' });

let n = 0;
const cid = () => `catchup${Date.now().toString(36)}${(++n).toString(36)}`;

async function world() {
  const client = await buildClient(app.db);
  const finding = await buildFinding(app.db, { client_id: client.id, published: true });
  const staffRow = await buildStaff(app.db);
  const userRow = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' });
  return { client, finding, staffRow, userRow };
}

/** 100 changes: comments and chat messages alternating, from staff and the client user. */
async function hundredChanges(w: Awaited<ReturnType<typeof world>>): Promise<string[]> {
  const staff = await signIn(app, w.staffRow);
  const user = await signIn(app, w.userRow);
  const made: string[] = [];
  for (let i = 0; i < 100; i++) {
    const who = i % 3 === 0 ? staff : user;
    const body = `change ${i}`;
    const res =
      i % 2 === 0
        ? await who.post(`/api/findings/${w.finding.id}/comments`, { body, clientMessageId: cid() })
        : await who.post(`/api/chat/${w.client.id}/messages`, { body, clientMessageId: cid() });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    made.push(body);
  }
  return made;
}

const bodyOf = (e: any) => (e.data.body as string) ?? '';

function expectOnceInOrder(events: any[], made: string[]) {
  const positions = events.map((e) => e.position);
  expect(new Set(positions).size, 'each event once').toBe(positions.length);
  expect(
    [...positions].sort((a, b) => a - b),
    'in order',
  ).toEqual(positions);
  expect(events.map(bodyOf)).toEqual(made);
  expect(events.map((e) => e.type)).toEqual(made.map((_, i) => (i % 2 === 0 ? 'comment:created' : 'message:created')));
}

describe('catch-up', () => {
  it('a cut socket gets all 100 missed comments and messages on reconnect, once each, in order; then live resumes without repeats', async () => {
    const w = await world();
    const user = await signIn(app, w.userRow);
    const first = await feedSocket(app, user);
    first.socket.close();

    const made = await hundredChanges(w);
    await app.server.drain();
    const back = await feedSocket(app, user, first.position);
    open.push(back.socket);
    expect(back.answer.resync).toBe(false);
    expectOnceInOrder(back.answer.events, made);

    const live = recordAll(back.socket);
    const staff = await signIn(app, w.staffRow);
    await staff.post(`/api/chat/${w.client.id}/messages`, { body: 'after reconnect', clientMessageId: cid() });
    await until(() => live.ofType('message:created').length === 1, 'the live message');
    await app.server.drain();
    // Feed events only: the person may also be told of the message by a notification (a push of its own, no position).
    expect(live.events.filter(([, p]) => typeof p?.position === 'number').map(([, p]) => p.data.body)).toEqual(['after reconnect']);
    expect(live.ofType('message:created')[0].position).toBeGreaterThan(back.answer.events.at(-1).position);
  });

  it('the same across a server restart', async () => {
    const w = await world();
    const first = await feedSocket(app, await signIn(app, w.userRow));
    first.socket.close();
    await app.restart();

    const made = await hundredChanges(w);
    await app.server.drain();
    const back = await feedSocket(app, await signIn(app, w.userRow), first.position);
    open.push(back.socket);
    expect(back.answer.resync).toBe(false);
    expectOnceInOrder(back.answer.events, made);
  });

  it('a gap older than the retention gets "resync", never a partial answer', async () => {
    const w = await world();
    const user = await signIn(app, w.userRow);
    const first = await feedSocket(app, user);
    first.socket.close();
    await hundredChanges(w);
    app.clock.advance(app.config.eventRetentionMs + 60_000);
    await app.server.pruneEvents();
    // (A week later the old session has expired too: sign in again, as the person would.)
    const later = await signIn(app, w.userRow);
    const back = await feedSocket(app, later, first.position);
    open.push(back.socket);
    expect(back.answer).toMatchObject({ ok: true, resync: true, events: [] });
    // From the position it is given, the browser is live again.
    const again = await feedSocket(app, later, back.answer.position);
    open.push(again.socket);
    expect(again.answer).toMatchObject({ resync: false, events: [] });
  });
});
