import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { auditRows, inviteTokenFor, mailsTo, snapshot } from '../support/invitations.js';
import type { UserRow } from '../../db/schema.js';

let app: TestApp;
let admin: UserRow;
let adminAgent: Agent;
beforeAll(async () => {
  app = await startTestApp();
  admin = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin', email: 'ada@acme.test' });
  adminAgent = await signIn(app, admin);
});
afterAll(async () => app?.close());

const userById = (id: string) => app.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();

/** Every staff route, with a body that would be valid. */
const routes = (id: string) =>
  [
    ['GET', '/api/staff', undefined],
    ['POST', '/api/staff', { email: 'someone@acme.test', name: 'Some One', role: 'analyst' }],
    ['PATCH', `/api/staff/${id}`, { name: 'Renamed' }],
    ['POST', `/api/staff/${id}/remove`, {}],
    ['POST', `/api/staff/${id}/resend`, {}],
  ] as const;

describe('who may manage staff accounts', () => {
  it('anonymous → 401, analysts and portal users (even Managers) → 403, and nothing changes', async () => {
    const target = await buildStaff(app.db, { status: 'invited', password_hash: null });
    const analyst = await signIn(app, await buildStaff(app.db));
    const manager = await signIn(app, await buildPortalUser(app.db, { role: 'manager' }));
    const pending = await signIn(app, admin, { mfaVerified: false });
    const before = await snapshot(app);
    for (const [method, path, body] of routes(target.id)) {
      expect((await new Agent(app.url).request(method, path, body)).status, `anon ${method} ${path}`).toBe(401);
      expect((await pending.request(method, path, body)).status, `mfa-pending ${method} ${path}`).toBe(401);
      expect((await analyst.request(method, path, body)).status, `analyst ${method} ${path}`).toBe(403);
      expect((await manager.request(method, path, body)).status, `manager ${method} ${path}`).toBe(403);
    }
    expect(await snapshot(app)).toBe(before);
  });
});

describe('an admin manages staff accounts', () => {
  it('invites a staff member: invited status, no password, an invitation mail, an audit row', async () => {
    const res = await adminAgent.post('/api/staff', { email: 'Bea.Analyst@Acme.test', name: 'Bea Analyst', role: 'analyst' });
    expect(res.status).toBe(201);
    expect(res.body.member).toMatchObject({ email: 'bea.analyst@acme.test', name: 'Bea Analyst', role: 'analyst', status: 'invited', lastLoginAt: null });
    expect(res.body.member.invitedAt).toBeTypeOf('number');
    const user = await userById(res.body.member.id);
    expect(user).toMatchObject({ kind: 'staff', client_id: null, password_hash: null, status: 'invited', invited_by: admin.id });
    const [mail] = await mailsTo(app, 'bea.analyst@acme.test');
    expect(mail!.subject).toContain('Acme Security');
    expect(mail!.text_body).toContain('Ada Admin has invited you');
    expect((await auditRows(app, 'invitation.sent')).at(-1)).toMatchObject({ actor_id: admin.id, target_id: user.id, outcome: 'success' });

    const list = await adminAgent.get('/api/staff');
    expect(list.status).toBe(200);
    const row = list.body.members.find((m: { id: string }) => m.id === user.id);
    expect(Object.keys(row).sort()).toEqual(['email', 'id', 'invitedAt', 'lastLoginAt', 'mailFailed', 'mfaEnabled', 'name', 'pendingEmail', 'role', 'status']);
    expect(list.body.members.every((m: { email: string }) => !m.email.endsWith('@client.test'))).toBe(true);
  });

  it('refuses invalid input and changes nothing', async () => {
    const before = await snapshot(app);
    for (const body of [
      { email: 'x@acme.test', name: 'X', role: 'manager' },
      { email: 'x@acme.test', name: 'X', role: 'owner' },
      { email: 'not-an-email', name: 'X', role: 'analyst' },
      { email: 'x@acme.test', name: '', role: 'analyst' },
      { email: 'x@acme.test', name: 'X', role: 'analyst', clientId: 'c1' },
      { email: 'x@acme.test', name: 'X' },
    ]) {
      const res = await adminAgent.post('/api/staff', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    const dup = await adminAgent.post('/api/staff', { email: 'ADA@acme.test', name: 'Ada Again', role: 'admin' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toBe('That e-mail address is already in use. Use another, or ask the person to sign in.');
    const target = await buildStaff(app.db);
    const mid = await snapshot(app);
    for (const body of [{}, { role: 'manager' }, { email: 'new@acme.test' }, { name: 'N', status: 'active' }]) {
      expect((await adminAgent.patch(`/api/staff/${target.id}`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect(await snapshot(app)).toBe(mid);
    expect(before).not.toBe(mid); // sanity: the factory did write
  });

  it('a portal user id is unknown here (404), and so is a made-up id', async () => {
    const portal = await buildPortalUser(app.db);
    const before = await snapshot(app);
    for (const id of [portal.id, 'no-such-id']) {
      expect((await adminAgent.patch(`/api/staff/${id}`, { name: 'X' })).status).toBe(404);
      expect((await adminAgent.post(`/api/staff/${id}/remove`)).status).toBe(404);
      expect((await adminAgent.post(`/api/staff/${id}/resend`)).status).toBe(404);
    }
    expect(await snapshot(app)).toBe(before);
  });

  it('renames and changes roles; demoting an admin ends their sessions', async () => {
    const other = await buildStaff(app.db, { role: 'admin' });
    const otherAgent = await signIn(app, other);
    const renamed = await adminAgent.patch(`/api/staff/${other.id}`, { name: 'Olga Other' });
    expect(renamed.body.member).toMatchObject({ name: 'Olga Other', role: 'admin' });
    expect((await otherAgent.get('/api/session')).status).toBe(200);

    const demoted = await adminAgent.patch(`/api/staff/${other.id}`, { role: 'analyst' });
    expect(demoted.status).toBe(200);
    expect(demoted.body.member.role).toBe('analyst');
    expect((await otherAgent.get('/api/session')).status).toBe(401);
    expect((await auditRows(app, 'user.updated')).at(-1)).toMatchObject({
      target_id: other.id,
      details: JSON.stringify({ role: { from: 'admin', to: 'analyst' } }),
    });

    // Raising does not sign anyone out.
    const again = await signIn(app, other);
    expect((await adminAgent.patch(`/api/staff/${other.id}`, { role: 'admin' })).status).toBe(200);
    expect((await again.get('/api/session')).status).toBe(200);
  });

  it('refuses removing or demoting yourself, and keeps the last admin (409, nothing changes)', async () => {
    const solo = await startTestApp();
    try {
      const only = await buildStaff(solo.db, { role: 'admin' });
      const agent = await signIn(solo, only);
      const before = await snapshot(solo);
      const self = await agent.post(`/api/staff/${only.id}/remove`);
      expect(self.status).toBe(409);
      expect(self.body.error.message).toBe("You can't remove your own access.");
      const demote = await agent.patch(`/api/staff/${only.id}`, { role: 'analyst' });
      expect(demote.status).toBe(409);
      expect(demote.body.error.message).toMatch(/your own role/);
      expect(await snapshot(solo)).toBe(before);
      // An invited admin does not count as keeping the firm administered.
      const invitedAdmin = await agent.post('/api/staff', { email: 'second@acme.test', name: 'Second', role: 'admin' });
      expect(invitedAdmin.status).toBe(201);
      expect((await agent.post(`/api/staff/${only.id}/remove`)).status).toBe(409);
      expect((await solo.db.selectFrom('users').select('status').where('id', '=', only.id).executeTakeFirstOrThrow()).status).toBe('active');
    } finally {
      await solo.close();
    }
  });

  it('removes a staff member: status removed, sessions ended at once, pending link voided', async () => {
    const leaving = await buildStaff(app.db);
    const a1 = await signIn(app, leaving);
    const a2 = await signIn(app, leaving);
    expect((await a1.get('/api/clients')).status).toBe(200);
    const res = await adminAgent.post(`/api/staff/${leaving.id}/remove`);
    expect(res.status).toBe(200);
    expect(res.body.member.status).toBe('removed');
    expect(await app.db.selectFrom('sessions').select('id').where('user_id', '=', leaving.id).execute()).toEqual([]);
    expect((await a1.get('/api/clients')).status).toBe(401);
    expect((await a2.get('/api/session')).status).toBe(401);
    expect((await auditRows(app, 'user.removed')).at(-1)).toMatchObject({ actor_id: admin.id, target_id: leaving.id });
    // Editing a removed account is refused.
    expect((await adminAgent.patch(`/api/staff/${leaving.id}`, { name: 'Ghost' })).status).toBe(409);

    const invited = await adminAgent.post('/api/staff', { email: 'gone@acme.test', name: 'Gone Soon', role: 'analyst' });
    const token = await inviteTokenFor(app, 'gone@acme.test');
    expect((await adminAgent.post(`/api/staff/${invited.body.member.id}/remove`)).status).toBe(200);
    expect((await new Agent(app.url).get(`/api/invitations/${token}`)).status).toBe(404);
  });

  it('resends only while invited', async () => {
    const res = await adminAgent.post('/api/staff', { email: 'cal@acme.test', name: 'Cal', role: 'analyst' });
    const first = await inviteTokenFor(app, 'cal@acme.test');
    const again = await adminAgent.post(`/api/staff/${res.body.member.id}/resend`);
    expect(again.status).toBe(200);
    expect(await inviteTokenFor(app, 'cal@acme.test')).not.toBe(first);
    expect((await new Agent(app.url).get(`/api/invitations/${first}`)).status).toBe(404);
    const active = await buildStaff(app.db);
    const before = await snapshot(app);
    expect((await adminAgent.post(`/api/staff/${active.id}/resend`)).status).toBe(409);
    expect(await snapshot(app)).toBe(before);
  });
});
