import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { auditRows, inviteTokenFor, mailsTo, snapshot } from '../support/invitations.js';
import type { ClientRow, UserRow } from '../../db/schema.js';
import { io, type Socket } from 'socket.io-client';

/** A live socket riding an agent's cookie, connected (like an open browser tab). */
async function openSocket(agent: Agent): Promise<Socket> {
  const s = io(app.url, {
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    extraHeaders: { cookie: agent.cookie!, origin: app.url },
  } as Parameters<typeof io>[1]);
  await new Promise<void>((resolve, reject) => {
    s.once('connect', () => resolve());
    s.once('connect_error', reject);
  });
  return s;
}
const disconnected = (s: Socket) =>
  new Promise<number>((resolve) => {
    const t0 = Date.now();
    if (!s.connected) return resolve(0);
    s.once('disconnect', () => resolve(Date.now() - t0));
  });

let app: TestApp;
let clientA: ClientRow;
let clientB: ClientRow;
let analyst: Agent;
let managerA: UserRow;
let managerAAgent: Agent;
let managerBAgent: Agent;
let viewerA: UserRow;
let userB: UserRow;
let staffUser: UserRow;
beforeAll(async () => {
  app = await startTestApp();
  staffUser = await buildStaff(app.db, { name: 'Sam Analyst' });
  analyst = await signIn(app, staffUser);
  clientA = await buildClient(app.db, { name: 'Contoso' });
  clientB = await buildClient(app.db, { name: 'Globex' });
  managerA = await buildPortalUser(app.db, { client_id: clientA.id, role: 'manager', name: 'Mia Manager' });
  managerAAgent = await signIn(app, managerA);
  viewerA = await buildPortalUser(app.db, { client_id: clientA.id, role: 'viewer', name: 'Vic Viewer' });
  userB = await buildPortalUser(app.db, { client_id: clientB.id, role: 'viewer', name: 'Bob Globex' });
  managerBAgent = await signIn(app, await buildPortalUser(app.db, { client_id: clientB.id, role: 'manager' }));
});
afterAll(async () => app?.close());

const userById = (id: string) => app.db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const staffRoutes = (clientId: string, userId: string) =>
  [
    ['GET', `/api/clients/${clientId}/users`, undefined],
    ['POST', `/api/clients/${clientId}/users`, { email: 'new@x.test', name: 'New', role: 'viewer' }],
    ['PATCH', `/api/clients/${clientId}/users/${userId}`, { name: 'Renamed' }],
    ['POST', `/api/clients/${clientId}/users/${userId}/remove`, {}],
    ['POST', `/api/clients/${clientId}/users/${userId}/resend`, {}],
  ] as const;
const managerRoutes = (userId: string) =>
  [
    ['GET', '/api/portal/users', undefined],
    ['POST', '/api/portal/users', { email: 'new@x.test', name: 'New', role: 'viewer' }],
    ['PATCH', `/api/portal/users/${userId}`, { name: 'Renamed' }],
    ['POST', `/api/portal/users/${userId}/remove`, {}],
    ['POST', `/api/portal/users/${userId}/resend`, {}],
  ] as const;

describe('access to portal users', () => {
  it('anonymous → 401 on every route, staff side and Manager side; nothing changes', async () => {
    const before = await snapshot(app);
    for (const [m, p, b] of [...staffRoutes(clientA.id, viewerA.id), ...managerRoutes(viewerA.id)]) {
      expect((await new Agent(app.url).request(m, p, b)).status, `${m} ${p}`).toBe(401);
    }
    expect(await snapshot(app)).toBe(before);
  });

  it('portal users never reach the staff routes: 404 for any client id, their own included', async () => {
    const before = await snapshot(app);
    for (const agent of [managerAAgent, managerBAgent]) {
      for (const [m, p, b] of staffRoutes(clientA.id, viewerA.id)) {
        const res = await agent.request(m, p, b);
        expect(res.status, `${m} ${p}`).toBe(404);
        expect(res.text).not.toContain('Vic');
      }
    }
    expect(await snapshot(app)).toBe(before);
  });

  it('Viewers and Collaborators → 403; staff → 403 on the Manager routes', async () => {
    const viewer = await signIn(app, viewerA);
    const collaborator = await signIn(app, await buildPortalUser(app.db, { client_id: clientA.id, role: 'collaborator' }));
    const before = await snapshot(app);
    for (const agent of [viewer, collaborator, analyst]) {
      for (const [m, p, b] of managerRoutes(viewerA.id)) expect((await agent.request(m, p, b)).status, `${m} ${p}`).toBe(403);
    }
    expect(await snapshot(app)).toBe(before);
  });

  it("a Manager of client A can't see or touch client B's users or staff accounts (404), and nothing changes", async () => {
    const before = await snapshot(app);
    for (const id of [userB.id, staffUser.id, 'no-such-user']) {
      for (const [m, p, b] of managerRoutes(id).slice(2)) {
        const res = await managerAAgent.request(m, p, b);
        expect(res.status, `${m} ${p}`).toBe(404);
        expect(res.text).not.toContain('Globex');
      }
    }
    const list = await managerAAgent.get('/api/portal/users');
    expect(list.status).toBe(200);
    const ids = list.body.members.map((m: { id: string }) => m.id);
    expect(ids).toEqual(expect.arrayContaining([managerA.id, viewerA.id]));
    expect(ids).not.toContain(userB.id);
    expect(ids).not.toContain(staffUser.id);
    // Staff addressing B's user through A's URL get 404 too.
    for (const [m, p, b] of staffRoutes(clientA.id, userB.id).slice(2)) expect((await analyst.request(m, p, b)).status).toBe(404);
    expect(await snapshot(app)).toBe(before);
  });
});

describe("staff manage a client's portal users", () => {
  it('lists with role, status, last login and invitation time', async () => {
    const res = await analyst.get(`/api/clients/${clientA.id}/users`);
    expect(res.status).toBe(200);
    const vic = res.body.members.find((m: { id: string }) => m.id === viewerA.id);
    expect(vic).toEqual({
      id: viewerA.id,
      name: 'Vic Viewer',
      email: viewerA.email,
      role: 'viewer',
      status: 'active',
      lastLoginAt: null,
      invitedAt: null,
      mfaEnabled: false,
      pendingEmail: null,
      mailFailed: null,
    });
  });

  it('invites, edits, resends and removes', async () => {
    const invited = await analyst.post(`/api/clients/${clientA.id}/users`, { email: 'Nina@Contoso.test', name: 'Nina New', role: 'collaborator' });
    expect(invited.status).toBe(201);
    const id = invited.body.member.id;
    expect(invited.body.member).toMatchObject({ email: 'nina@contoso.test', status: 'invited', role: 'collaborator' });
    expect(await userById(id)).toMatchObject({ kind: 'portal', client_id: clientA.id, password_hash: null });
    const [mail] = await mailsTo(app, 'nina@contoso.test');
    expect(mail!.subject).toBe('Acme Security invited you to the Contoso portal');
    const sent = (await auditRows(app, 'invitation.sent')).at(-1)!;
    expect(sent).toMatchObject({ target_id: id, client_id: clientA.id, actor_id: staffUser.id });

    const edited = await analyst.patch(`/api/clients/${clientA.id}/users/${id}`, { name: 'Nina Newton', role: 'manager' });
    expect(edited.body.member).toMatchObject({ name: 'Nina Newton', role: 'manager' });
    expect((await analyst.post(`/api/clients/${clientA.id}/users/${id}/resend`)).status).toBe(200);
    expect(await mailsTo(app, 'nina@contoso.test')).toHaveLength(2);
    const removed = await analyst.post(`/api/clients/${clientA.id}/users/${id}/remove`);
    expect(removed.body.member.status).toBe('removed');
    // Invite again (issue 18): a removed person starts over as invited, with a fresh link only.
    const before = await userById(id);
    await app.db
      .updateTable('users')
      .set({ totp_secret_enc: 'sealed', password_hash: before.password_hash ?? 'x' })
      .where('id', '=', id)
      .execute();
    const again = await analyst.post(`/api/clients/${clientA.id}/users/${id}/resend`);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ member: { status: 'invited', mfaEnabled: false }, delivery: 'outbox' });
    expect(await userById(id)).toMatchObject({ status: 'invited', password_hash: null, totp_secret_enc: null });
    expect(await mailsTo(app, 'nina@contoso.test')).toHaveLength(3);
    expect((await auditRows(app, 'invitation.resent')).at(-1)).toMatchObject({ target_id: id, details: expect.stringContaining('reinvited') });
  });

  it('refuses staff roles and malformed input, changing nothing', async () => {
    const before = await snapshot(app);
    for (const body of [
      { email: 'a@x.test', name: 'A', role: 'admin' },
      { email: 'a@x.test', name: 'A', role: 'analyst' },
      { email: 'a@x.test', name: 'A', role: 'viewer', clientId: clientB.id },
      { email: 'a@x.test', name: 'A', role: 'viewer', kind: 'staff' },
      { email: 'nope', name: 'A', role: 'viewer' },
    ]) {
      expect((await analyst.post(`/api/clients/${clientA.id}/users`, body)).status, JSON.stringify(body)).toBe(400);
      expect((await managerAAgent.post('/api/portal/users', body)).status, JSON.stringify(body)).toBe(400);
    }
    for (const body of [{}, { role: 'admin' }, { status: 'active' }, { email: 'x@y.test' }]) {
      expect((await analyst.patch(`/api/clients/${clientA.id}/users/${viewerA.id}`, body)).status).toBe(400);
      expect((await managerAAgent.patch(`/api/portal/users/${viewerA.id}`, body)).status).toBe(400);
    }
    expect(await snapshot(app)).toBe(before);
  });
});

describe("a Manager manages their own client's users", () => {
  it('invites into their own client only (the client comes from the session)', async () => {
    const res = await managerAAgent.post('/api/portal/users', { email: 'olly@contoso.test', name: 'Olly', role: 'viewer' });
    expect(res.status).toBe(201);
    expect(await userById(res.body.member.id)).toMatchObject({ client_id: clientA.id, kind: 'portal', invited_by: managerA.id });
    const token = await inviteTokenFor(app, 'olly@contoso.test');
    expect((await new Agent(app.url).get(`/api/invitations/${token}`)).body.clientName).toBe('Contoso');
    expect((await auditRows(app, 'invitation.sent')).at(-1)).toMatchObject({ actor_id: managerA.id, client_id: clientA.id });
    // Resend while invited works; re-inviting an address of their own list (any case) is refused.
    expect((await managerAAgent.post(`/api/portal/users/${res.body.member.id}/resend`)).status).toBe(200);
    expect((await auditRows(app, 'invitation.resent')).at(-1)).toMatchObject({ actor_id: managerA.id, target_id: res.body.member.id });
    const before = await snapshot(app);
    const dup = await managerAAgent.post('/api/portal/users', { email: 'OLLY@contoso.test', name: 'X', role: 'viewer' });
    expect(dup.status).toBe(409);
    expect(dup.body.error.message).toBe('That e-mail address is already in use. Use another, or ask the person to sign in.');
    expect(await snapshot(app)).toBe(before);
    // Another client's user or a staff member: answered like a new address, held, never naming a client
    // (tests/integration/invitation-oracle.test.ts has the rest).
    const dupB = await managerAAgent.post('/api/portal/users', { email: userB.email.toUpperCase(), name: 'X', role: 'viewer' });
    expect(dupB.status).toBe(201);
    expect(dupB.text).not.toContain('Globex');
    expect((await managerAAgent.post('/api/portal/users', { email: staffUser.email, name: 'X', role: 'viewer' })).status).toBe(201);
  });

  it("raises up to Manager, and lowering a role ends that person's sessions", async () => {
    const colleague = await buildPortalUser(app.db, { client_id: clientA.id, role: 'manager' });
    const colleagueAgent = await signIn(app, colleague);
    expect((await colleagueAgent.get('/api/portal/users')).status).toBe(200);
    const res = await managerAAgent.patch(`/api/portal/users/${colleague.id}`, { role: 'viewer' });
    expect(res.status).toBe(200);
    expect(res.body.member.role).toBe('viewer');
    expect((await colleagueAgent.get('/api/session')).status).toBe(401);
    expect((await auditRows(app, 'user.updated')).at(-1)).toMatchObject({ actor_id: managerA.id, target_id: colleague.id, client_id: clientA.id });
    // Signing in again, they have the lower role's rights.
    const again = await signIn(app, await userById(colleague.id));
    expect((await again.get('/api/portal/users')).status).toBe(403);
    // Raising to Manager does not end sessions.
    expect((await managerAAgent.patch(`/api/portal/users/${colleague.id}`, { role: 'manager' })).status).toBe(200);
    expect((await again.get('/api/portal/users')).status).toBe(200);
  });

  it('removing a user locks them out at once (every cookie 401, every socket closed)', async () => {
    const leaving = await buildPortalUser(app.db, { client_id: clientA.id, role: 'collaborator' });
    const b1 = await signIn(app, leaving);
    const b2 = await signIn(app, leaving);
    expect((await b1.get('/api/session')).status).toBe(200);
    const sockets = [await openSocket(b1), await openSocket(b1), await openSocket(b2)];
    const closed = sockets.map(disconnected);
    const res = await managerAAgent.post(`/api/portal/users/${leaving.id}/remove`);
    expect(res.status).toBe(200);
    expect(res.body.member.status).toBe('removed');
    // Ended by the removal itself, not left for the validator or the sweeper to find later.
    expect(await app.db.selectFrom('sessions').select('id').where('user_id', '=', leaving.id).execute()).toEqual([]);
    for (const ms of await Promise.all(closed)) expect(ms).toBeLessThan(1000);
    expect((await b1.get('/api/session')).status).toBe(401);
    expect((await b2.get('/api/session')).status).toBe(401);
    expect((await auditRows(app, 'user.removed')).at(-1)).toMatchObject({ actor_id: managerA.id, target_id: leaving.id, client_id: clientA.id });
    const list = await managerAAgent.get('/api/portal/users');
    expect(list.body.members.find((m: { id: string }) => m.id === leaving.id).status).toBe('removed');
  });

  it("can't remove or lower themselves; resend of an active user is refused (409, nothing changes)", async () => {
    const before = await snapshot(app);
    expect((await managerAAgent.post(`/api/portal/users/${managerA.id}/remove`)).status).toBe(409);
    expect((await managerAAgent.patch(`/api/portal/users/${managerA.id}`, { role: 'viewer' })).status).toBe(409);
    const resend = await managerAAgent.post(`/api/portal/users/${viewerA.id}/resend`);
    expect(resend.status).toBe(409);
    expect(await snapshot(app)).toBe(before);
    // Renaming yourself is fine.
    expect((await managerAAgent.patch(`/api/portal/users/${managerA.id}`, { name: 'Mia M.' })).body.member.name).toBe('Mia M.');
  });
});
