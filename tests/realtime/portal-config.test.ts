import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { connected, connectSocket, feedSocket } from '../support/socket.js';
import type { Agent } from '../support/http.js';

/**
 * Issue 18, point 7: when a client's visible fields or modules change, that client's open portal
 * pages are told `portal:reconfigured`, a push with no data (the pages refetch through the API,
 * which applies the new settings). Nobody else hears it; a refused, invalid or unchanged save, or
 * a change to anything else, pushes nothing.
 */

let app: TestApp;
let admin: Agent;
beforeAll(async () => {
  app = await startTestApp();
  await buildFirm(app.db);
  admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
});
afterAll(() => app.close());

const quiet = () => new Promise((r) => setTimeout(r, 300));

describe('portal:reconfigured', () => {
  it('reaches only the changed client’s portal sockets, carrying nothing, for fields and modules', async () => {
    const client = await buildClient(app.db);
    const other = await buildClient(app.db);
    const [viewer, manager, stranger, analyst] = await Promise.all([
      feedSocket(app, await signIn(app, await buildPortalUser(app.db, { client_id: client.id, role: 'viewer' }))),
      feedSocket(app, await signIn(app, await buildPortalUser(app.db, { client_id: client.id, role: 'manager' }))),
      feedSocket(app, await signIn(app, await buildPortalUser(app.db, { client_id: other.id, role: 'manager' }))),
      feedSocket(app, await signIn(app, await buildStaff(app.db, { role: 'analyst' }))),
    ]);

    expect((await admin.patch(`/api/clients/${client.id}`, { visibleFields: { cvss: false } })).status).toBe(200);
    for (const s of [viewer, manager]) await expect.poll(() => s.live.ofType('portal:reconfigured')).toEqual([{}]);
    expect((await admin.patch(`/api/clients/${client.id}`, { modules: { chat: false }, confirm: true })).status).toBe(200);
    for (const s of [viewer, manager]) await expect.poll(() => s.live.ofType('portal:reconfigured')).toEqual([{}, {}]);
    await quiet();
    // Another client's people and the firm's staff hear nothing of it.
    expect(stranger.live.ofType('portal:reconfigured')).toEqual([]);
    expect(analyst.live.ofType('portal:reconfigured')).toEqual([]);
    for (const s of [viewer, manager, stranger, analyst]) s.socket.close();
  });

  it('pushes nothing for a refused, invalid, unchanged or unrelated save', async () => {
    const client = await buildClient(app.db);
    const managerAgent = await signIn(app, await buildPortalUser(app.db, { client_id: client.id, role: 'manager' }));
    const open = await feedSocket(app, managerAgent);
    const otherManager = await signIn(app, await buildPortalUser(app.db, { role: 'manager' }));

    // Anonymous, a client's own Manager, another client's Manager: refused, nothing changes.
    const anonymous = await fetch(`${app.url}/api/clients/${client.id}`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', origin: app.url },
      body: JSON.stringify({ visibleFields: { cvss: false } }),
    });
    expect(anonymous.status).toBe(401);
    // Staff routes do not exist for a client's people (404, never 403).
    expect((await managerAgent.patch(`/api/clients/${client.id}`, { visibleFields: { cvss: false } })).status).toBe(404);
    expect((await otherManager.patch(`/api/clients/${client.id}`, { modules: { findings: false } })).status).toBe(404);
    // Invalid input: a clear 400.
    const bad = await admin.patch(`/api/clients/${client.id}`, { visibleFields: { cvss: 'no' } });
    expect(bad.status).toBe(400);
    expect((await admin.patch(`/api/clients/${client.id}`, { modules: { payroll: false } })).status).toBe(400);
    // Unchanged (already visible) and unrelated (the name) saves.
    expect((await admin.patch(`/api/clients/${client.id}`, { visibleFields: { cvss: true } })).status).toBe(200);
    expect((await admin.patch(`/api/clients/${client.id}`, { name: 'Renamed Ltd' })).status).toBe(200);
    await quiet();
    expect(open.live.ofType('portal:reconfigured')).toEqual([]);
    const stored = await app.db.selectFrom('clients').select(['visible_fields', 'modules']).where('id', '=', client.id).executeTakeFirstOrThrow();
    expect(stored.visible_fields ?? '{}').not.toContain('false');
    expect(stored.modules ?? '{}').not.toContain('false');
    open.socket.close();
  });

  it('an anonymous socket is refused, so it can never be in a portal room', async () => {
    await expect(connected(connectSocket(app, null))).rejects.toThrow();
  });
});
