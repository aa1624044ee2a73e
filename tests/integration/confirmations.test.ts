import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding, workspaceSnapshot } from '../support/workspace.js';
import type { ClientRow, UserRow } from '../../db/schema.js';

/**
 * Issue 18 point 8: each destructive switch without `confirm: true` answers 409
 * `confirmation_required` with the consequence the server computed (the right people, never
 * another client's) and changes nothing; with it, the change applies.
 */
let app: TestApp;
let admin: Agent;
let analyst: Agent;
let clientA: ClientRow;
let clientB: ClientRow;
let ann: UserRow;
let bob: UserRow;
let otherB: UserRow;
let annAgent: Agent;
let bobAgent: Agent;
let otherAgent: Agent;

beforeAll(async () => {
  app = await startTestApp();
  admin = await signIn(app, await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' }));
  analyst = await signIn(app, await buildStaff(app.db, { role: 'analyst', name: 'Ana Lyst' }));
});
afterAll(async () => app?.close());

/** A fresh pair of clients: A with two signed-in people and one who is not, B with one signed in. */
async function world() {
  clientA = await buildClient(app.db, { name: 'Contoso Ltd' });
  clientB = await buildClient(app.db, { name: 'Fabrikam' });
  ann = await buildPortalUser(app.db, { client_id: clientA.id, name: 'Ann Lee', role: 'manager' });
  bob = await buildPortalUser(app.db, { client_id: clientA.id, name: 'Bob Ray', role: 'viewer' });
  await buildPortalUser(app.db, { client_id: clientA.id, name: 'Cy Dormant', role: 'viewer' });
  otherB = await buildPortalUser(app.db, { client_id: clientB.id, name: 'Zed Other', role: 'manager' });
  annAgent = await signIn(app, ann);
  bobAgent = await signIn(app, bob);
  otherAgent = await signIn(app, otherB);
}

const alive = async (agent: Agent) => (await agent.get('/api/session')).status === 200;
const sessionsOf = async (userId: string) => (await app.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()).length;
const names = (body: { error: { details: { people: { name: string }[] } } }) => body.error.details.people.map((p) => p.name).sort();

describe('confirmation_required: refused without the flag, nothing changes; applied with it', () => {
  it('turning a portal off names who is signed out now, never another client; Cancel keeps sessions', async () => {
    await world();
    const before = await workspaceSnapshot(app.db);
    const res = await analyst.patch(`/api/clients/${clientA.id}`, { portalEnabled: false });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('confirmation_required');
    expect(res.body.error.details.parts[0].kind).toBe('portal_off');
    expect(res.body.error.details.message).toContain('2 people of Contoso Ltd will be signed out now');
    expect(res.body.error.details.message).toContain("can't sign in until you turn the portal back on");
    expect(names(res.body)).toEqual(['Ann Lee', 'Bob Ray']);
    expect(JSON.stringify(res.body)).not.toContain('Zed Other');
    expect(await workspaceSnapshot(app.db)).toBe(before);
    expect((await app.db.selectFrom('clients').select('portal_enabled').where('id', '=', clientA.id).executeTakeFirstOrThrow()).portal_enabled).toBe(1);
    expect(await alive(annAgent)).toBe(true);
    expect(await alive(bobAgent)).toBe(true);

    const ok = await analyst.patch(`/api/clients/${clientA.id}`, { portalEnabled: false, confirm: true });
    expect(ok.status).toBe(200);
    expect(ok.body.client.portalEnabled).toBe(false);
    expect(await alive(annAgent)).toBe(false);
    expect(await alive(otherAgent)).toBe(true);
  });

  it('an allowlist that ends live sessions names whose; one that ends none needs no confirmation', async () => {
    await world();
    const res = await analyst.patch(`/api/clients/${clientA.id}`, { ipAllowlist: ['203.0.113.0/24'] });
    expect(res.status).toBe(409);
    expect(res.body.error.details.parts.map((p: { kind: string }) => p.kind)).toEqual(['sessions_end']);
    expect(names(res.body)).toEqual(['Ann Lee', 'Bob Ray']);
    expect((await app.db.selectFrom('clients').select('ip_allowlist').where('id', '=', clientA.id).executeTakeFirstOrThrow()).ip_allowlist).toBe('[]');
    expect(await sessionsOf(ann.id)).toBe(1);
    // Their own address (127.0.0.1) stays allowed: nothing ends, so nothing to confirm.
    expect((await analyst.patch(`/api/clients/${clientA.id}`, { ipAllowlist: ['127.0.0.0/8'] })).status).toBe(200);
    expect(await alive(annAgent)).toBe(true);
    const ok = await analyst.patch(`/api/clients/${clientA.id}`, { ipAllowlist: ['203.0.113.0/24'], confirm: true });
    expect(ok.status).toBe(200);
    expect(await alive(annAgent)).toBe(false);
    expect(await alive(otherAgent)).toBe(true);
  });

  it('a shorter timeout names only the sessions it would end', async () => {
    await world();
    // Bob has been idle for 10 minutes; Ann was active just now.
    await app.db
      .updateTable('sessions')
      .set({ last_active_at: app.clock() - 10 * 60_000 })
      .where('user_id', '=', bob.id)
      .execute();
    const res = await analyst.patch(`/api/clients/${clientA.id}`, { sessionIdleMinutes: 5 });
    expect(res.status).toBe(409);
    expect(names(res.body)).toEqual(['Bob Ray']);
    expect(res.body.error.details.message).toContain('This ends the live sessions of 1 person of Contoso Ltd now: Bob Ray.');
    expect(
      (await app.db.selectFrom('clients').select('session_idle_minutes').where('id', '=', clientA.id).executeTakeFirstOrThrow()).session_idle_minutes,
    ).toBe(null);
    expect(await sessionsOf(bob.id)).toBe(1);
    expect((await analyst.patch(`/api/clients/${clientA.id}`, { sessionIdleMinutes: 5, confirm: true })).status).toBe(200);
    expect(await alive(annAgent)).toBe(true);
    expect(await alive(bobAgent)).toBe(false);
  });

  it('locking a module names the people who lose it; switches in the same save are not applied either', async () => {
    await world();
    const res = await analyst.patch(`/api/clients/${clientA.id}`, { modules: { chat: false }, visibleFields: { cvss: false }, name: 'Contoso Group' });
    expect(res.status).toBe(409);
    expect(res.body.error.details.parts[0]).toMatchObject({ kind: 'module_locked' });
    expect(res.body.error.details.message).toContain('3 people of Contoso Group will lose Chat at once');
    expect(names(res.body)).toEqual(['Ann Lee', 'Bob Ray', 'Cy Dormant']);
    const row = await app.db.selectFrom('clients').select(['modules', 'visible_fields', 'name']).where('id', '=', clientA.id).executeTakeFirstOrThrow();
    expect(row.name).toBe('Contoso Ltd');
    expect(JSON.parse(row.modules).chat ?? true).toBe(true);
    expect(JSON.parse(row.visible_fields).cvss ?? true).toBe(true);
    // Unlocking, or a field, needs no confirmation.
    expect((await analyst.patch(`/api/clients/${clientA.id}`, { visibleFields: { cvss: false } })).status).toBe(200);
    const ok = await analyst.patch(`/api/clients/${clientA.id}`, { modules: { chat: false }, confirm: true });
    expect(ok.status).toBe(200);
    expect(ok.body.client.modules.chat).toBe(false);
    expect((await analyst.patch(`/api/clients/${clientA.id}`, { modules: { chat: true } })).status).toBe(200);
  });

  it('publishing a finding names who is notified; nothing is published or notified without the flag', async () => {
    await world();
    const f = await buildFinding(app.db, { client_id: clientA.id, title: 'SQL injection in login' });
    const res = await analyst.post(`/api/findings/${f.id}/publish`, {});
    expect(res.status).toBe(409);
    expect(res.body.error.details.message).toContain('"SQL injection in login" becomes visible to Contoso Ltd. 3 people will be notified');
    expect(names(res.body)).toEqual(['Ann Lee', 'Bob Ray', 'Cy Dormant']);
    expect(JSON.stringify(res.body)).not.toContain('Zed Other');
    expect((await app.db.selectFrom('findings').select('published').where('id', '=', f.id).executeTakeFirstOrThrow()).published).toBe(0);
    expect(await app.db.selectFrom('notifications').select('id').where('finding_id', '=', f.id).execute()).toEqual([]);
    expect((await annAgent.get(`/api/portal/findings/${f.id}`)).status).toBe(404);

    const ok = await analyst.post(`/api/findings/${f.id}/publish`, { confirm: true });
    expect(ok.status).toBe(200);
    expect(ok.body.finding.published).toBe(true);
    expect((await app.db.selectFrom('notifications').select('user_id').where('finding_id', '=', f.id).execute()).length).toBe(3);
    // Unpublishing asks nothing.
    expect((await analyst.post(`/api/findings/${f.id}/unpublish`)).status).toBe(200);
  });

  it('turning staff MFA off names staff without 2FA; the requirement stays on without the flag', async () => {
    await buildFirm(app.db, { mfa_required_for_staff: 1 });
    const res = await admin.put('/api/admin/security', { mfaRequiredForStaff: false });
    expect(res.status).toBe(409);
    expect(res.body.error.details.parts[0].kind).toBe('staff_mfa_off');
    expect(names(res.body)).toEqual(expect.arrayContaining(['Ada Admin', 'Ana Lyst']));
    expect(names(res.body).some((n: string) => n.includes('Ann Lee'))).toBe(false);
    expect((await app.db.selectFrom('firm').select('mfa_required_for_staff').executeTakeFirstOrThrow()).mfa_required_for_staff).toBe(1);
    expect((await admin.put('/api/admin/security', { mfaRequiredForStaff: false, confirm: true })).status).toBe(200);
    expect((await app.db.selectFrom('firm').select('mfa_required_for_staff').executeTakeFirstOrThrow()).mfa_required_for_staff).toBe(0);
    // Turning it on asks nothing.
    expect((await admin.put('/api/admin/security', { mfaRequiredForStaff: true })).status).toBe(200);
  });
});

describe('who may ask, and bad input', () => {
  it('anonymous 401; portal users and another client 404; an analyst may not change firm security (403)', async () => {
    await world();
    const anon = new Agent(app.url);
    const f = await buildFinding(app.db, { client_id: clientA.id });
    expect((await anon.patch(`/api/clients/${clientA.id}`, { portalEnabled: false, confirm: true })).status).toBe(401);
    expect((await anon.post(`/api/findings/${f.id}/publish`, { confirm: true })).status).toBe(401);
    expect((await anon.put('/api/admin/security', { mfaRequiredForStaff: false, confirm: true })).status).toBe(401);
    for (const agent of [annAgent, otherAgent]) {
      expect((await agent.patch(`/api/clients/${clientA.id}`, { portalEnabled: false, confirm: true })).status).toBe(404);
      expect((await agent.post(`/api/findings/${f.id}/publish`, { confirm: true })).status).toBe(404);
    }
    expect((await analyst.put('/api/admin/security', { mfaRequiredForStaff: false, confirm: true })).status).toBe(403);
    expect(await alive(annAgent)).toBe(true);
  });

  it('a confirm that is not a boolean, or a confirm alone, is a clear 400 and changes nothing', async () => {
    await world();
    const before = await workspaceSnapshot(app.db);
    const f = await buildFinding(app.db, { client_id: clientA.id });
    const after = await workspaceSnapshot(app.db);
    for (const body of [{ portalEnabled: false, confirm: 'yes' }, { confirm: true }, { portalEnabled: false, confirm: 1 }]) {
      const res = await analyst.patch(`/api/clients/${clientA.id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await analyst.post(`/api/findings/${f.id}/publish`, { confirm: 'yes' })).status).toBe(400);
    expect((await analyst.post(`/api/findings/${f.id}/publish`, { confirm: true, extra: 1 })).status).toBe(400);
    expect((await admin.put('/api/admin/security', { confirm: true })).status).toBe(400);
    expect(before).not.toBe(after);
    expect(await workspaceSnapshot(app.db)).toBe(after);
    expect(await alive(annAgent)).toBe(true);
  });

  it('a new client starts with its portal off; turning it on asks nothing', async () => {
    const res = await analyst.post('/api/clients', { name: 'Northwind' });
    expect(res.status).toBe(201);
    expect(res.body.client.portalEnabled).toBe(false);
    const on = await analyst.patch(`/api/clients/${res.body.client.id}`, { portalEnabled: true });
    expect(on.status).toBe(200);
    expect(on.body.client.portalEnabled).toBe(true);
  });
});
