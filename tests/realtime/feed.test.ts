import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding } from '../support/workspace.js';
import { Agent } from '../support/http.js';
import { appWithSockets, ask, feedSocket, recordAll, until } from '../support/socket.js';

let app: TestApp;
const open = appWithSockets((a) => void (app = a));

describe('the client feed', () => {
  it('pushes a publication to staff and to the client’s own users only, and catches a returning socket up in order', async () => {
    const a = await buildClient(app.db);
    const b = await buildClient(app.db);
    const staff = await signIn(app, await buildStaff(app.db));
    const aUser = await signIn(app, await buildPortalUser(app.db, { client_id: a.id }));
    const bUser = await signIn(app, await buildPortalUser(app.db, { client_id: b.id }));
    const s = await feedSocket(app, staff);
    const pa = await feedSocket(app, aUser);
    const pb = await feedSocket(app, bUser);
    open.push(s.socket, pa.socket, pb.socket);
    const [rs, ra, rb] = [recordAll(s.socket), recordAll(pa.socket), recordAll(pb.socket)];

    const f = await buildFinding(app.db, { client_id: a.id, title: 'Live one' });
    expect((await staff.post(`/api/findings/${f.id}/publish`, { confirm: true })).status).toBe(200);
    await until(() => ra.ofType('finding:published').length === 1 && rs.ofType('finding:published').length === 1, 'publication pushed');
    expect(ra.ofType('finding:published')[0].data).toMatchObject({ id: f.id, title: 'Live one' });
    expect(ra.ofType('finding:published')[0].data.published).toBeUndefined();
    expect(rs.ofType('finding:published')[0].data.published).toBe(true);
    await app.server.drain();
    expect(rb.events).toEqual([]);

    // A's socket drops; three changes happen; it comes back with its last position.
    const last = ra.ofType('finding:published')[0].position;
    pa.socket.close();
    for (const title of ['Round one', 'Round two', 'Round three']) {
      const cur = await staff.get(`/api/findings/${f.id}`);
      const res = await staff.patch(`/api/findings/${f.id}`, { title, version: cur.body.finding.version });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
    }
    const back = await feedSocket(app, aUser, last);
    open.push(back.socket);
    expect(back.answer.resync).toBe(false);
    // Each missed event once, in order, presented as the finding is now (not as it was).
    expect(back.answer.events.map((e: any) => [e.type, e.data.title])).toEqual(Array(3).fill(['finding:updated', 'Round three']));
    const positions = back.answer.events.map((e: any) => e.position);
    expect([...positions].sort((x, y) => x - y)).toEqual(positions);
  });

  it('a signed-in read says where the feed stood; a page subscribing from there gets what came after its read, and only its own', async () => {
    const a = await buildClient(app.db);
    const b = await buildClient(app.db);
    const staff = await signIn(app, await buildStaff(app.db));
    const aUser = await signIn(app, await buildPortalUser(app.db, { client_id: a.id }));
    await app.server.drain();
    const read = await aUser.get('/api/portal/projects');
    expect(read.status).toBe(200);
    const at = Number(read.headers.get('x-feed-position'));
    expect(Number.isSafeInteger(at)).toBe(true);
    // Only signed-in reads carry it: not an anonymous one, not a write.
    expect((await new Agent(app.url).get('/api/session')).headers.get('x-feed-position')).toBeNull();
    const write = await aUser.post('/api/notifications/read-all');
    expect(write.status).toBeLessThan(300);
    expect(write.headers.get('x-feed-position')).toBeNull();

    // Between the page's read and its live connection, the firm publishes to A and to B.
    const fa = await buildFinding(app.db, { client_id: a.id, title: 'For A' });
    const fb = await buildFinding(app.db, { client_id: b.id, title: 'For B' });
    for (const f of [fa, fb]) expect((await staff.post(`/api/findings/${f.id}/publish`, { confirm: true })).status).toBe(200);
    await app.server.drain();
    const later = Number((await aUser.get('/api/portal/projects')).headers.get('x-feed-position'));
    expect(later).toBeGreaterThan(at);

    const s = await feedSocket(app, aUser, at);
    open.push(s.socket);
    expect(s.answer.resync).toBe(false);
    expect(s.answer.position).toBe(later);
    expect(s.answer.events.map((e: any) => [e.type, e.data.title])).toEqual([['finding:published', 'For A']]);
  });

  it('answers resync for a cursor below the pruned floor, and refuses a malformed subscribe', async () => {
    const staff = await signIn(app, await buildStaff(app.db));
    const s = await feedSocket(app, staff);
    open.push(s.socket);
    await app.db.updateTable('firm').set({ event_floor: 10_000 }).execute();
    expect((await ask(s.socket, 'feed:subscribe', { since: 5 })).resync).toBe(true);
    await app.db.updateTable('firm').set({ event_floor: 0 }).execute();
    expect(await ask(s.socket, 'feed:subscribe', { since: 'x' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await ask(s.socket, 'feed:subscribe', { since: 0, room: 'client:x:staff' })).toMatchObject({ ok: false, error: { code: 'validation_failed' } });
    expect(await ask(s.socket, 'no:such', {})).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });

  it('catches up across a server restart: every event once, in order, none re-pushed live', async () => {
    const a = await buildClient(app.db);
    const staffUser = await buildStaff(app.db);
    const aUserRow = await buildPortalUser(app.db, { client_id: a.id });
    const f = await buildFinding(app.db, { client_id: a.id, published: true, title: 'Before restart' });
    const before = await feedSocket(app, await signIn(app, aUserRow));
    const since = before.position;
    before.socket.close();

    await app.restart();
    const staff = await signIn(app, staffUser);
    for (let i = 0; i < 5; i++) {
      const cur = await staff.get(`/api/findings/${f.id}`);
      expect((await staff.patch(`/api/findings/${f.id}`, { title: `After restart ${i}`, version: cur.body.finding.version })).status).toBe(200);
    }
    await app.server.drain();
    const back = await feedSocket(app, await signIn(app, aUserRow), since);
    open.push(back.socket);
    const rec = recordAll(back.socket);
    expect(back.answer.resync).toBe(false);
    expect(back.answer.events).toHaveLength(5);
    const positions = back.answer.events.map((e: any) => e.position);
    expect(new Set(positions).size).toBe(5);
    expect([...positions].sort((x: number, y: number) => x - y)).toEqual(positions);
    await app.server.drain();
    expect(rec.events).toEqual([]);
  });
});
