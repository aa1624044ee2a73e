import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { workspaceSnapshot } from '../support/workspace.js';
import type { ClientRow } from '../../db/schema.js';

let app: TestApp;
let analyst: Agent;
let portalA: Agent;
let portalB: Agent;
let clientA: ClientRow;
beforeAll(async () => {
  app = await startTestApp();
  analyst = await signIn(app, await buildStaff(app.db));
  clientA = await buildClient(app.db, { name: 'Contoso' });
  portalA = await signIn(app, await buildPortalUser(app.db, { client_id: clientA.id, role: 'manager' }));
  portalB = await signIn(app, await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id, role: 'manager' }));
});
afterAll(async () => app?.close());

const snap = () => workspaceSnapshot(app.db);
const stored = async (id: string) => {
  const c = await app.db.selectFrom('clients').select(['modules', 'visible_fields']).where('id', '=', id).executeTakeFirstOrThrow();
  return { modules: JSON.parse(c.modules), visibleFields: JSON.parse(c.visible_fields) };
};
const ALL_MODULES = { projects: true, findings: true, reports: true, chat: true, activity: true };
const ALL_FIELDS = { cvss: true, technicalDetails: true, references: true, evidence: true };

describe('client portal configuration', () => {
  it('the client DTO carries modules and visible fields (all on by default)', async () => {
    const res = await analyst.get(`/api/clients/${clientA.id}`);
    expect(res.body.client).toMatchObject({ modules: ALL_MODULES, visibleFields: ALL_FIELDS });
    expect((await analyst.get('/api/clients')).body.clients[0]).toHaveProperty('visibleFields');
  });

  it('anonymous 401 and portal users 404 (their own client included); nothing changes', async () => {
    const before = await snap();
    expect((await new Agent(app.url).patch(`/api/clients/${clientA.id}`, { modules: { chat: false }, confirm: true })).status).toBe(401);
    for (const agent of [portalA, portalB]) {
      expect((await agent.patch(`/api/clients/${clientA.id}`, { modules: { chat: false }, confirm: true })).status).toBe(404);
      expect((await agent.patch(`/api/clients/${clientA.id}`, { visibleFields: { cvss: false } })).status).toBe(404);
    }
    expect((await analyst.patch(`/api/clients/${randomUUID()}`, { modules: { chat: false }, confirm: true })).status).toBe(404);
    expect(await snap()).toBe(before);
  });

  it('partial objects are merged into what is stored, and audited', async () => {
    const a = await analyst.patch(`/api/clients/${clientA.id}`, { modules: { chat: false, activity: false }, confirm: true });
    expect(a.status).toBe(200);
    expect(a.body.client.modules).toEqual({ ...ALL_MODULES, chat: false, activity: false });
    const b = await analyst.patch(`/api/clients/${clientA.id}`, { modules: { chat: true }, visibleFields: { cvss: false } });
    expect(b.body.client).toMatchObject({ modules: { ...ALL_MODULES, activity: false }, visibleFields: { ...ALL_FIELDS, cvss: false } });
    expect(await stored(clientA.id)).toEqual({ modules: { ...ALL_MODULES, activity: false }, visibleFields: { ...ALL_FIELDS, cvss: false } });
    const audit = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'client.updated')
      .where('target_id', '=', clientA.id)
      .orderBy('id')
      .execute();
    expect(audit.map((r) => Object.keys(JSON.parse(r.details!).after))).toEqual([['modules'], ['modules', 'visibleFields']]);
    expect(audit.map((r) => Object.keys(JSON.parse(r.details!).before))).toEqual([['modules'], ['modules', 'visibleFields']]);
  });

  it('a change applies on the very next request of the client’s users', async () => {
    await analyst.patch(`/api/clients/${clientA.id}`, { modules: { reports: false }, confirm: true });
    expect((await portalA.get('/api/session')).body.modules.reports).toBe(false);
    await analyst.patch(`/api/clients/${clientA.id}`, { modules: { reports: true } });
    expect((await portalA.get('/api/session')).body.modules.reports).toBe(true);
  });

  it('an unchanged setting writes nothing', async () => {
    const before = await snap();
    expect((await analyst.patch(`/api/clients/${clientA.id}`, { visibleFields: { cvss: false }, modules: {} })).status).toBe(200);
    expect(await snap()).toBe(before);
  });

  it('strict schemas: unknown modules or fields and non-booleans are refused; nothing changes', async () => {
    const before = await snap();
    for (const body of [
      { modules: { billing: true } },
      { modules: { chat: 'off' } },
      { modules: ['chat'] },
      { modules: null },
      { visibleFields: { internalNotes: true } },
      { visibleFields: { cvss: 0 } },
      { visibleFields: { evidence: false }, modules: { chat: false }, extra: 1 },
    ]) {
      expect((await analyst.patch(`/api/clients/${clientA.id}`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect(await snap()).toBe(before);
  });

  it('an archived client’s configuration can no longer change (409)', async () => {
    const archived = await buildClient(app.db, { archived_at: Date.now() });
    const before = await snap();
    expect((await analyst.patch(`/api/clients/${archived.id}`, { modules: { chat: false }, confirm: true })).status).toBe(409);
    expect(await snap()).toBe(before);
  });
});
