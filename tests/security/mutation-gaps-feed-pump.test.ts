import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding, buildProject, setClientModules } from '../support/workspace.js';
import { appWithSockets, ask, feedSocket, logEvents, recordAll, until } from '../support/socket.js';
import { appendEvent, latestPosition, type NewClientEvent } from '../../server/events/log.js';
import { CATCHUP_MAX } from '../../server/realtime/feed.js';

/**
 * The live feed's pump and `feed:subscribe` (server/realtime/feed.ts), pinned where the mutation
 * run (tests/mutation-survivors.md) found them untested: a client created after a staff socket
 * subscribed, events no audience gets anything for, a push that fails, the exact subscribe
 * answers (fresh, ahead of the log, too far behind) and the shared catch-up answer staying per
 * client and per module settings.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Log an event as a command would (in its own transaction), and announce it. */
async function logEvent(e: NewClientEvent): Promise<void> {
  await app.db.transaction().execute((trx) => appendEvent(trx, e, app.clock()));
  app.deps.bus.publish('events.appended', {});
}
async function feed(agentOf: () => Promise<Parameters<typeof feedSocket>[1]>, since: number | null = null) {
  const s = await feedSocket(app, await agentOf(), since);
  open.push(s.socket);
  return s;
}
const staffAgent = async () => signIn(app, await buildStaff(app.db));
const portalAgent = (clientId: string) => async () => signIn(app, await buildPortalUser(app.db, { client_id: clientId }));

describe('live pushes', () => {
  it('a staff socket subscribed before a client existed gets that client’s events', async () => {
    const s = await feed(staffAgent);
    const heard = recordAll(s.socket);
    const client = await buildClient(app.db);
    const finding = await buildFinding(app.db, { client_id: client.id, published: true, title: 'Brand new client' });
    await logEvent({ clientId: client.id, type: 'finding:updated', audience: 'all', entityId: finding.id });
    await until(() => heard.ofType('finding:updated').length === 1, 'the new client’s event');
    expect(heard.ofType('finding:updated')[0]).toMatchObject({ clientId: client.id, data: { id: finding.id, title: 'Brand new client', published: true } });
  });

  it('an event no audience gets anything for reaches no socket, and the pump goes on past it', async () => {
    const client = await buildClient(app.db);
    const finding = await buildFinding(app.db, { client_id: client.id, published: true });
    const s = await feed(staffAgent);
    const p = await feed(portalAgent(client.id));
    const heard = { staff: recordAll(s.socket), portal: recordAll(p.socket) };
    await logEvent({ clientId: client.id, type: 'message:created', audience: 'all', entityId: '987654' });
    await logEvent({ clientId: client.id, type: 'finding:updated', audience: 'all', entityId: finding.id });
    await until(() => heard.staff.events.length >= 1 && heard.portal.events.length >= 1, 'the next event');
    await app.server.drain();
    expect(heard.staff.events.map(([e]) => e)).toEqual(['finding:updated']);
    expect(heard.portal.events.map(([e]) => e)).toEqual(['finding:updated']);
  });

  it('a staff socket subscribing after a client’s events were pushed gets that client’s next events', async () => {
    const client = await buildClient(app.db);
    const finding = await buildFinding(app.db, { client_id: client.id, published: true });
    await logEvent({ clientId: client.id, type: 'finding:updated', audience: 'all', entityId: finding.id });
    await app.server.drain();
    const s = await feed(staffAgent);
    const heard = recordAll(s.socket);
    await logEvent({ clientId: client.id, type: 'finding:updated', audience: 'all', entityId: finding.id });
    await until(() => heard.ofType('finding:updated').length === 1, 'the next event');
  });

  it('one batch holding several clients’ events: each client’s users get their own, all of them, in order', async () => {
    const [a, b] = [await buildClient(app.db), await buildClient(app.db)];
    const [pa, pb] = [await buildProject(app.db, { client_id: a.id, name: 'A' }), await buildProject(app.db, { client_id: b.id, name: 'B' })];
    const [sa, sb, st] = [await feed(portalAgent(a.id)), await feed(portalAgent(b.id)), await feed(staffAgent)];
    const heard = { a: recordAll(sa.socket), b: recordAll(sb.socket), staff: recordAll(st.socket) };
    // Committed together, announced once: one batch, interleaved.
    const at = app.clock();
    const order = [a, b, a, b, b, a];
    await app.db
      .insertInto('client_events')
      .values(order.map((c) => ({ client_id: c.id, type: 'project:updated', audience: 'all' as const, entity_id: c === a ? pa.id : pb.id, data: '{}', at })))
      .execute();
    app.deps.bus.publish('events.appended', {});
    await until(() => heard.staff.events.length === 6, 'all six to staff');
    await until(() => heard.a.events.length === 3 && heard.b.events.length === 3, 'three each');
    await app.server.drain();
    expect(heard.a.ofType('project:updated').map((e) => e.data.name)).toEqual(['A', 'A', 'A']);
    expect(heard.b.ofType('project:updated').map((e) => e.data.name)).toEqual(['B', 'B', 'B']);
    const positions = heard.staff.ofType('project:updated').map((e) => e.position);
    expect(heard.a.ofType('project:updated').map((e) => e.position)).toEqual([positions[0], positions[2], positions[5]]);
  });

  it('a push that fails is logged, and the next commit pushes again', async () => {
    const client = await buildClient(app.db);
    const finding = await buildFinding(app.db, { client_id: client.id, published: true });
    const s = await feed(staffAgent);
    const heard = recordAll(s.socket);
    // A row the presenter cannot read (only a hand-edited database holds one): a comment's event
    // names its finding in its data, which the presenter parses.
    await app.db
      .insertInto('client_events')
      .values({ client_id: client.id, type: 'comment:created', audience: 'all', entity_id: 'c-gone', data: 'not json', at: app.clock() })
      .execute();
    app.deps.bus.publish('events.appended', {});
    await until(() => app.logs.some((l) => l.msg === 'feed push failed' && l.level === 'error'), 'the failure logged');
    expect(app.logs.find((l) => l.msg === 'feed push failed')!.err).toMatchObject({ type: 'SyntaxError' });
    await app.server.drain();
    expect(heard.events).toEqual([]);
    await app.db.deleteFrom('client_events').where('data', '=', 'not json').execute();
    await logEvent({ clientId: client.id, type: 'finding:updated', audience: 'all', entityId: finding.id });
    await until(() => heard.ofType('finding:updated').length === 1, 'the next push');
  });
});

describe('feed:subscribe answers', () => {
  it('fresh: the current position and nothing else; ahead of the log: resync; level with it: nothing missed', async () => {
    const s = await feed(staffAgent);
    const mark = await latestPosition(app.db);
    await app.server.drain();
    expect(await ask(s.socket, 'feed:subscribe', { since: null })).toEqual({ ok: true, position: mark, events: [], resync: false, next: null });
    expect(await ask(s.socket, 'feed:subscribe', { since: mark + 1 })).toEqual({ ok: true, position: mark, events: [], resync: true, next: null });
    expect(await ask(s.socket, 'feed:subscribe', { since: mark })).toEqual({ ok: true, position: mark, events: [], resync: false, next: null });
  });

  it('a cursor at the pruned floor is caught up; one below it gets resync; no cursor is never resync', async () => {
    const client = await buildClient(app.db);
    const project = await buildProject(app.db, { client_id: client.id });
    for (let i = 0; i < 2; i++) await logEvent({ clientId: client.id, type: 'project:updated', audience: 'all', entityId: project.id });
    await app.server.drain();
    const mark = await latestPosition(app.db);
    const s = await feed(staffAgent);
    await app.db
      .updateTable('firm')
      .set({ event_floor: mark - 1 })
      .execute();
    try {
      expect(await ask(s.socket, 'feed:subscribe', { since: mark - 1 })).toMatchObject({
        ok: true,
        position: mark,
        resync: false,
        events: [{ position: mark }],
      });
      expect(await ask(s.socket, 'feed:subscribe', { since: mark - 2 })).toEqual({ ok: true, position: mark, events: [], resync: true, next: null });
      // A fresh subscriber has no cursor to judge: never resync.
      expect(await ask(s.socket, 'feed:subscribe', { since: null })).toEqual({ ok: true, position: mark, events: [], resync: false, next: null });
    } finally {
      await app.db.updateTable('firm').set({ event_floor: 0 }).execute();
    }
  });

  it('a catch-up the database fails is not shared: asking again at once is answered', async () => {
    const client = await buildClient(app.db);
    const project = await buildProject(app.db, { client_id: client.id });
    await app.server.drain();
    const since = await latestPosition(app.db);
    await logEvent({ clientId: client.id, type: 'project:updated', audience: 'all', entityId: project.id });
    await app.server.drain();
    const s = await feed(staffAgent);
    await sql`ALTER TABLE projects RENAME TO projects_away`.execute(app.db);
    let failed: any;
    try {
      failed = await ask(s.socket, 'feed:subscribe', { since });
    } finally {
      await sql`ALTER TABLE projects_away RENAME TO projects`.execute(app.db);
    }
    expect(failed).toMatchObject({ ok: false, error: { code: 'internal_error' } });
    const again = await ask(s.socket, 'feed:subscribe', { since });
    expect(again).toMatchObject({ ok: true, resync: false, events: [{ type: 'project:updated', data: { id: project.id } }] });
  });

  it('one client’s user never gets another client’s shared catch-up answer for the same cursor', async () => {
    const a = await buildClient(app.db);
    const b = await buildClient(app.db);
    const fa = await buildFinding(app.db, { client_id: a.id, published: true, title: 'Only A' });
    const fb = await buildFinding(app.db, { client_id: b.id, published: true, title: 'Only B' });
    await app.server.drain();
    const since = await latestPosition(app.db);
    await logEvent({ clientId: a.id, type: 'finding:updated', audience: 'all', entityId: fa.id });
    await logEvent({ clientId: b.id, type: 'finding:updated', audience: 'all', entityId: fb.id });
    await app.server.drain();
    const [pa, pb, st] = await Promise.all([feed(portalAgent(a.id), since), feed(portalAgent(b.id), since), feed(staffAgent, since)]);
    expect(pa.answer.events.map((e: any) => e.data.title)).toEqual(['Only A']);
    expect(pb.answer.events.map((e: any) => e.data.title)).toEqual(['Only B']);
    expect(st.answer.events.map((e: any) => e.data.title)).toEqual(['Only A', 'Only B']);
  });

  it('a module switched off within the second applies to the next catch-up (the shared answer is per module settings)', async () => {
    const client = await buildClient(app.db);
    const project = await buildProject(app.db, { client_id: client.id, name: 'Shared answer' });
    await app.server.drain();
    const since = await latestPosition(app.db);
    await logEvent({ clientId: client.id, type: 'project:updated', audience: 'all', entityId: project.id });
    await app.server.drain();
    const agent = await portalAgent(client.id)();
    const first = await feedSocket(app, agent, since);
    open.push(first.socket);
    expect(first.answer.events.map((e: any) => e.type)).toEqual(['project:updated']);
    // Changed behind the feed's back: no event, the same mark.
    await setClientModules(app.db, client.id, { projects: false });
    const second = await feedSocket(app, agent, since);
    open.push(second.socket);
    expect(second.answer).toEqual({ ok: true, position: first.answer.position, events: [], resync: false, next: null });
  });

  it('more than CATCHUP_MAX (5000) missed events: resync; exactly CATCHUP_MAX: all of them', async () => {
    const client = await buildClient(app.db);
    const project = await buildProject(app.db, { client_id: client.id });
    await app.server.drain();
    const since = await latestPosition(app.db);
    await logEvents(app, client.id, project.id, CATCHUP_MAX);
    const agent = await portalAgent(client.id)();
    const all = await feedSocket(app, agent, since);
    open.push(all.socket);
    expect(all.answer.resync).toBe(false);
    expect(all.answer.events).toHaveLength(CATCHUP_MAX);
    await logEvent({ clientId: client.id, type: 'project:updated', audience: 'all', entityId: project.id });
    await sleep(10);
    await app.server.drain();
    const over = await feedSocket(app, agent, since);
    open.push(over.socket);
    expect(over.answer).toEqual({ ok: true, position: all.answer.position + 1, events: [], resync: true, next: null });
  });
});

describe('after a restart', () => {
  it('a fresh subscriber starts at the last position, and the events before the restart are not pushed again', async () => {
    const client = await buildClient(app.db);
    const project = await buildProject(app.db, { client_id: client.id });
    await logEvent({ clientId: client.id, type: 'project:updated', audience: 'all', entityId: project.id });
    await app.server.drain();
    const mark = await latestPosition(app.db);
    await app.restart();
    const s = await feedSocket(app, await staffAgent());
    open.push(s.socket);
    expect(s.position).toBe(mark);
    const heard = recordAll(s.socket);
    await logEvent({ clientId: client.id, type: 'project:updated', audience: 'all', entityId: project.id });
    await until(() => heard.events.length >= 1, 'the new event');
    await app.server.drain();
    expect(heard.events.map(([, e]) => e.position)).toEqual([mark + 1]);
  });
});
