import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { auditRows, inviteTokenFor, snapshot } from '../support/invitations.js';
import type { ClientRow } from '../../db/schema.js';
import { sweepExpiredSessions } from '../../server/auth/revoke.js';

let app: TestApp;
let analyst: Agent;
let admin: Agent;
let clientA: ClientRow;
let clientB: ClientRow;
beforeAll(async () => {
  app = await startTestApp();
  analyst = await signIn(app, await buildStaff(app.db));
  admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
  clientA = await buildClient(app.db, { name: 'Contoso' });
  clientB = await buildClient(app.db, { name: 'Globex' });
});
afterAll(async () => app?.close());

const clientRow = (id: string) => app.db.selectFrom('clients').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const sessionsOf = (userId: string) => app.db.selectFrom('sessions').select(['id', 'ip']).where('user_id', '=', userId).execute();

const collectionRoutes = [
  ['GET', '/api/clients', undefined],
  ['POST', '/api/clients', { name: 'Initech' }],
] as const;
const itemRoutes = (id: string) =>
  [
    ['GET', `/api/clients/${id}`, undefined],
    ['PATCH', `/api/clients/${id}`, { name: 'Renamed' }],
    ['POST', `/api/clients/${id}/archive`, {}],
  ] as const;

describe('who may see and manage clients', () => {
  it('anonymous → 401 everywhere; nothing changes', async () => {
    const before = await snapshot(app);
    for (const [m, p, b] of [...collectionRoutes, ...itemRoutes(clientA.id)]) {
      expect((await new Agent(app.url).request(m, p, b)).status, `${m} ${p}`).toBe(401);
    }
    expect(await snapshot(app)).toBe(before);
  });

  it('portal users get 403 on the collection and 404 for any client id, their own included', async () => {
    const managerA = await signIn(app, await buildPortalUser(app.db, { client_id: clientA.id, role: 'manager' }));
    const managerB = await signIn(app, await buildPortalUser(app.db, { client_id: clientB.id, role: 'manager' }));
    const before = await snapshot(app);
    for (const agent of [managerA, managerB]) {
      for (const [m, p, b] of collectionRoutes) expect((await agent.request(m, p, b)).status, `${m} ${p}`).toBe(403);
      for (const id of [clientA.id, 'no-such-client']) {
        for (const [m, p, b] of itemRoutes(id)) {
          const res = await agent.request(m, p, b);
          expect(res.status, `${m} ${p}`).toBe(404);
          expect(res.text).not.toContain('Contoso');
        }
      }
    }
    expect(await snapshot(app)).toBe(before);
  });

  it('staff get 404 for a made-up id', async () => {
    for (const [m, p, b] of itemRoutes('no-such-client')) expect((await analyst.request(m, p, b)).status).toBe(404);
  });
});

describe('staff manage clients', () => {
  it('an analyst creates, lists, reads and renames a client', async () => {
    const created = await analyst.post('/api/clients', { name: '  Initech  ' });
    expect(created.status).toBe(201);
    expect(created.body.client).toMatchObject({
      name: 'Initech',
      portalEnabled: false,
      archivedAt: null,
      ipAllowlist: [],
      sessionIdleMinutes: null,
      sessionAbsoluteHours: null,
      userCount: 0,
    });
    const id = created.body.client.id;
    expect((await auditRows(app, 'client.created')).at(-1)).toMatchObject({ target_id: id, client_id: id });

    const list = await admin.get('/api/clients');
    expect(list.body.clients.map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['Contoso', 'Globex', 'Initech']));
    const one = await analyst.get(`/api/clients/${id}`);
    expect(one.body.client.name).toBe('Initech');
    const renamed = await analyst.patch(`/api/clients/${id}`, { name: 'Initech Ltd' });
    expect(renamed.body.client.name).toBe('Initech Ltd');
  });

  it('refuses invalid input and changes nothing', async () => {
    const before = await snapshot(app);
    for (const body of [{}, { name: '' }, { name: 'x'.repeat(121) }, { name: 'X', portalEnabled: true }, { name: 42 }]) {
      expect((await analyst.post('/api/clients', body)).status, JSON.stringify(body)).toBe(400);
    }
    for (const body of [
      {},
      { portalEnabled: 'no' },
      { sessionIdleMinutes: 4 },
      { sessionIdleMinutes: 1441 },
      { sessionIdleMinutes: 10.5 },
      { sessionAbsoluteHours: 0 },
      { sessionAbsoluteHours: 721 },
      { ipAllowlist: '10.0.0.0/8' },
      { ipAllowlist: ['10.0.0.0/8', ''] },
      { archivedAt: null },
      { name: 'ok', id: 'other' },
    ]) {
      expect((await analyst.patch(`/api/clients/${clientA.id}`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect(await snapshot(app)).toBe(before);
  });

  it('validates the allowlist and names every bad entry', async () => {
    const before = await snapshot(app);
    const res = await analyst.patch(`/api/clients/${clientA.id}`, { ipAllowlist: ['10.0.0.0/8', '300.1.1.1', 'example.com', '2001:db8::/129', '::1'] });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toContain('300.1.1.1');
    expect(res.body.error.message).toContain('example.com');
    expect(res.body.error.message).toContain('2001:db8::/129');
    expect(res.body.error.message).not.toContain('10.0.0.0/8');
    expect(res.body.error.details[0]).toMatchObject({ path: 'ipAllowlist', invalid: ['300.1.1.1', 'example.com', '2001:db8::/129'] });
    expect(await snapshot(app)).toBe(before);
  });

  it('saves session timeout overrides and clears them with null', async () => {
    const set = await analyst.patch(`/api/clients/${clientB.id}`, { sessionIdleMinutes: 15, sessionAbsoluteHours: 8 });
    expect(set.body.client).toMatchObject({ sessionIdleMinutes: 15, sessionAbsoluteHours: 8 });
    // The override applies to the client's sessions at once: 16 idle minutes end a Globex session.
    const user = await buildPortalUser(app.db, { client_id: clientB.id });
    const agent = await signIn(app, user);
    app.clock.advance(16 * 60_000);
    expect((await agent.get('/api/session')).status).toBe(401);
    await sweepExpiredSessions(app.deps, app.clock()); // so the background sweeper can't race later snapshots
    analyst = await signIn(
      app,
      await app.db.selectFrom('users').selectAll().where('kind', '=', 'staff').where('role', '=', 'analyst').executeTakeFirstOrThrow(),
    );
    admin = await signIn(app, await app.db.selectFrom('users').selectAll().where('kind', '=', 'staff').where('role', '=', 'admin').executeTakeFirstOrThrow());
    const cleared = await analyst.patch(`/api/clients/${clientB.id}`, { sessionIdleMinutes: null, sessionAbsoluteHours: null });
    expect(cleared.body.client).toMatchObject({ sessionIdleMinutes: null, sessionAbsoluteHours: null });
    const audits = (await auditRows(app, 'client.updated')).filter((a) => a.target_id === clientB.id);
    expect(audits.map((a) => JSON.parse(a.details!))).toEqual([
      { before: { sessionIdleMinutes: null, sessionAbsoluteHours: null }, after: { sessionIdleMinutes: 15, sessionAbsoluteHours: 8 } },
      { before: { sessionIdleMinutes: 15, sessionAbsoluteHours: 8 }, after: { sessionIdleMinutes: null, sessionAbsoluteHours: null } },
    ]);
  });

  it('switching the portal off signs every portal user of that client out at once (and only them)', async () => {
    const c = await buildClient(app.db, { name: 'Umbrella' });
    const u1 = await signIn(app, await buildPortalUser(app.db, { client_id: c.id, role: 'manager' }));
    const u2 = await signIn(app, await buildPortalUser(app.db, { client_id: c.id }));
    const bystander = await signIn(app, await buildPortalUser(app.db, { client_id: clientA.id }));
    expect((await u1.get('/api/portal/users')).status).toBe(200);

    const res = await analyst.patch(`/api/clients/${c.id}`, { portalEnabled: false, confirm: true });
    expect(res.status).toBe(200);
    expect(res.body.client.portalEnabled).toBe(false);
    expect((await u1.get('/api/portal/users')).status).toBe(401);
    expect((await u2.get('/api/session')).status).toBe(401);
    expect((await bystander.get('/api/session')).status).toBe(200);
    expect((await auditRows(app, 'client.updated')).at(-1)).toMatchObject({
      target_id: c.id,
      details: JSON.stringify({ before: { portalEnabled: true }, after: { portalEnabled: false } }),
    });

    // Switching it back on lets people sign in again, but old cookies stay dead.
    expect((await analyst.patch(`/api/clients/${c.id}`, { portalEnabled: true })).body.client.portalEnabled).toBe(true);
    expect((await u2.get('/api/session')).status).toBe(401);
  });

  it('a new allowlist ends the sessions it no longer allows and keeps the others', async () => {
    const c = await buildClient(app.db, { name: 'Hooli' });
    const user = await buildPortalUser(app.db, { client_id: c.id });
    const local = await signIn(app, user); // recorded ip 127.0.0.1
    const [localSession] = await sessionsOf(user.id);
    // A second session recorded from elsewhere.
    const other = await signIn(app, user);
    await app.db.updateTable('sessions').set({ ip: '198.51.100.7' }).where('user_id', '=', user.id).where('id', '!=', localSession!.id).execute();

    const res = await analyst.patch(`/api/clients/${c.id}`, { ipAllowlist: ['127.0.0.1/32', ' 2001:db8::/32 '], confirm: true });
    expect(res.status).toBe(200);
    expect(res.body.client.ipAllowlist).toEqual(['127.0.0.1/32', '2001:db8::/32']);
    expect(await sessionsOf(user.id)).toEqual([{ id: localSession!.id, ip: '127.0.0.1' }]);
    expect((await local.get('/api/session')).status).toBe(200);
    expect((await other.get('/api/session')).status).toBe(401);

    // A list that excludes the loopback address ends the remaining session too.
    await analyst.patch(`/api/clients/${c.id}`, { ipAllowlist: ['10.0.0.0/8'], confirm: true });
    expect(await sessionsOf(user.id)).toEqual([]);
    expect((await local.get('/api/session')).status).toBe(401);
    expect((await clientRow(c.id)).ip_allowlist).toBe('["10.0.0.0/8"]');
  });

  it('archiving closes the portal for good: sessions end, pending links die, settings freeze', async () => {
    const c = await buildClient(app.db, { name: 'Soylent' });
    const user = await signIn(app, await buildPortalUser(app.db, { client_id: c.id }));
    const invited = await analyst.post(`/api/clients/${c.id}/users`, { email: 'late@soylent.test', name: 'Late', role: 'viewer' });
    expect(invited.status).toBe(201);
    const token = await inviteTokenFor(app, 'late@soylent.test');

    const res = await analyst.post(`/api/clients/${c.id}/archive`);
    expect(res.status).toBe(200);
    expect(res.body.client.archivedAt).toBeTypeOf('number');
    expect((await user.get('/api/session')).status).toBe(401);
    expect((await new Agent(app.url).get(`/api/invitations/${token}`)).status).toBe(404);
    expect((await auditRows(app, 'client.archived')).at(-1)).toMatchObject({ target_id: c.id });

    const before = await snapshot(app);
    expect((await analyst.patch(`/api/clients/${c.id}`, { portalEnabled: true })).status).toBe(409);
    expect((await analyst.post(`/api/clients/${c.id}/users`, { email: 'later@soylent.test', name: 'Later', role: 'viewer' })).status).toBe(409);
    expect((await analyst.post(`/api/clients/${c.id}/archive`)).status).toBe(200); // idempotent
    expect(await snapshot(app)).toBe(before);
    const list = await analyst.get('/api/clients');
    expect(list.body.clients.at(-1).name).toBe('Soylent'); // archived clients sort last
  });
});
