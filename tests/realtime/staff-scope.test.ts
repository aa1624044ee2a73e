import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding, buildProject } from '../support/workspace.js';
import { appWithSockets, ask, feedSocket, recordAll, until } from '../support/socket.js';
import { mentionToken } from '../../server/contracts/comments.js';
import type { Agent } from '../support/http.js';

/**
 * Staff least privilege (issue 12 point 3) end to end. With the firm's "analysts see every
 * client" switched off, an analyst assigned to client A receives nothing of client B over HTTP
 * (every list), sockets (feed, catch-up, presence) or mail — checked with a marker written into
 * everything of B's — and loses or gains a client on open sockets the moment an admin changes
 * their assignment or the firm setting.
 */

const B_MARK = 'B-SCOPE-CANARY-4e7d';
let app: TestApp;
const open = appWithSockets((a) => void (app = a));

let n = 0;
const cid = () => `scope${Date.now().toString(36)}${(++n).toString(36)}`;
const settle = async () => {
  await app.server.drain();
  await new Promise((r) => setTimeout(r, 200));
};

/** A and B with a published finding each, an admin, an analyst assigned to A only, people of each client. */
async function world() {
  await buildFirm(app.db, { analysts_see_all_clients: 0 });
  const A = await buildClient(app.db, { name: 'Client A' });
  const B = await buildClient(app.db, { name: `Client B ${B_MARK}` });
  const projectA = await buildProject(app.db, { client_id: A.id, name: 'Project A' });
  const projectB = await buildProject(app.db, { client_id: B.id, name: `Project B ${B_MARK}` });
  const findingA = await buildFinding(app.db, { project_id: projectA.id, published: true, title: 'Finding A' });
  const findingB = await buildFinding(app.db, { project_id: projectB.id, published: true, title: `Finding B ${B_MARK}` });
  const adminRow = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' });
  const scopedRow = await buildStaff(app.db, { role: 'analyst', name: 'Scott Scoped' });
  const admin = await signIn(app, adminRow);
  const assigned = await admin.put(`/api/clients/${A.id}/staff`, { userIds: [scopedRow.id] });
  expect(assigned.status, JSON.stringify(assigned.body)).toBe(200);
  const scoped = await signIn(app, scopedRow);
  const managerB = await buildPortalUser(app.db, { client_id: B.id, role: 'manager', name: 'Bea B' });
  const collabA = await buildPortalUser(app.db, { client_id: A.id, role: 'collaborator', name: 'Carl A' });
  return {
    A,
    B,
    projectA,
    projectB,
    findingA,
    findingB,
    adminRow,
    scopedRow,
    admin,
    scoped,
    managerB: await signIn(app, managerB),
    collabA: await signIn(app, collabA),
  };
}

/** Write something of B's everywhere it can be written, each carrying the marker; and something of A's. */
async function activity(w: Awaited<ReturnType<typeof world>>, mark: string) {
  expect((await w.admin.post(`/api/findings/${w.findingB.id}/comments`, { body: `Note ${mark}`, clientMessageId: cid(), internal: true })).status).toBe(201);
  expect(
    (await w.managerB.post(`/api/findings/${w.findingB.id}/comments`, { body: `${mentionToken(w.scopedRow)} from B ${mark}`, clientMessageId: cid() })).status,
  ).toBe(201);
  expect((await w.managerB.post(`/api/chat/${w.B.id}/messages`, { body: `Chat ${mark}`, clientMessageId: cid() })).status).toBe(201);
  const draft = await w.admin.post(`/api/projects/${w.projectB.id}/findings`, {
    title: `Draft ${mark}`,
    severity: 'low',
    description: '',
    impact: '',
    remediation: '',
    technicalDetails: '',
    references: [],
    affectedAssets: [],
    internalNotes: mark,
  });
  expect(draft.status).toBe(201);
  expect((await w.collabA.post(`/api/findings/${w.findingA.id}/comments`, { body: `A comment ${cid()}`, clientMessageId: cid() })).status).toBe(201);
  expect((await w.collabA.post(`/api/chat/${w.A.id}/messages`, { body: `A chat ${cid()}`, clientMessageId: cid() })).status).toBe(201);
}

const LISTS = [
  '/api/clients',
  '/api/projects',
  '/api/remediation/queue',
  '/api/remediation/summary',
  '/api/retests',
  '/api/chat/channels',
  '/api/notifications',
  '/api/notifications/unread-count',
];

async function listBodies(agent: Agent): Promise<string> {
  const out: string[] = [];
  for (const path of LISTS) {
    const res = await agent.get(path);
    expect(res.status, `${path}: ${res.text.slice(0, 200)}`).toBe(200);
    out.push(res.text);
  }
  return out.join('\n');
}

describe('an analyst scoped to client A', () => {
  it('receives nothing of client B over HTTP, sockets, catch-up or mail, and everything of A', async () => {
    const w = await world();
    const s = await feedSocket(app, w.scoped);
    const adminSocket = await feedSocket(app, w.admin);
    open.push(s.socket, adminSocket.socket);
    const rec = recordAll(s.socket);
    const adminRec = recordAll(adminSocket.socket);

    // Presence: B's finding and channel do not exist for them; A's do.
    expect((await ask(s.socket, 'presence:join', { target: { kind: 'finding', id: w.findingB.id } })).error?.code).toBe('not_found');
    expect((await ask(s.socket, 'presence:join', { target: { kind: 'channel', id: w.B.id } })).error?.code).toBe('not_found');
    expect((await ask(s.socket, 'presence:join', { target: { kind: 'channel', id: w.A.id } })).ok).toBe(true);
    // Writing into B's channel over the socket: refused like a made-up client.
    expect((await ask(s.socket, 'message:send', { clientId: w.B.id, body: 'hello B', clientMessageId: cid() })).error?.code).toBe('not_found');

    await activity(w, B_MARK);
    await settle();
    await until(() => rec.ofType('message:created').length >= 1 && rec.ofType('comment:created').length >= 1, 'A’s events');

    // Live: A's comment and chat arrive; nothing of B's, whatever the event.
    expect(rec.ofType('comment:created').map((e) => e.data.findingId)).toEqual([w.findingA.id]);
    expect(rec.ofType('message:created').map((e) => e.data.clientId)).toEqual([w.A.id]);
    const live = JSON.stringify(rec.events);
    expect(rec.events.filter((e) => JSON.stringify(e).includes(B_MARK))).toEqual([]);
    expect(live).not.toContain(B_MARK);
    expect(live).not.toContain(w.B.id);
    // The admin saw B's events (the marker is really there to be leaked).
    expect(JSON.stringify(adminRec.events)).toContain(B_MARK);

    // Catch-up from the start of this test: A's events only.
    const again = await feedSocket(app, w.scoped, s.position);
    open.push(again.socket);
    expect(again.answer.resync).toBe(false);
    expect(again.answer.events.length).toBeGreaterThan(0);
    expect(JSON.stringify(again.answer.events)).not.toContain(B_MARK);
    expect(again.answer.events.every((e: { clientId?: string }) => e.clientId === undefined || e.clientId === w.A.id)).toBe(true);

    // HTTP: every staff list they open, and B's records by id.
    const bodies = await listBodies(w.scoped);
    expect(bodies).not.toContain(B_MARK);
    expect(bodies).not.toContain(w.B.id);
    expect(bodies).toContain(w.A.id);
    for (const path of [
      `/api/clients/${w.B.id}`,
      `/api/clients/${w.B.id}/projects`,
      `/api/projects/${w.projectB.id}`,
      `/api/findings/${w.findingB.id}`,
      `/api/findings/${w.findingB.id}/comments`,
      `/api/chat/${w.B.id}/messages`,
    ]) {
      expect((await w.scoped.get(path)).status, path).toBe(404);
    }
    // Mention candidates on B's finding never offer them, and B's mention of them notified nobody.
    const candidates = await w.managerB.get(`/api/findings/${w.findingB.id}/mentionable`);
    expect(candidates.status).toBe(200);
    expect(candidates.body.people.map((c: { id: string }) => c.id)).not.toContain(w.scopedRow.id);
    const rows = await app.db.selectFrom('notifications').select(['client_id']).where('user_id', '=', w.scopedRow.id).execute();
    expect(rows.filter((r) => r.client_id === w.B.id)).toEqual([]);
    // Mail: nothing to them mentions B.
    const mails = await app.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', w.scopedRow.email).execute();
    expect(JSON.stringify(mails)).not.toContain(B_MARK);
  });

  it('loses a client on open sockets the moment an admin takes it away, and gains one when the firm lets analysts see every client', async () => {
    const w = await world();
    const s = await feedSocket(app, w.scoped);
    open.push(s.socket);
    expect((await ask(s.socket, 'presence:join', { target: { kind: 'finding', id: w.findingA.id } })).ok).toBe(true);
    const rec = recordAll(s.socket);

    // Taken off A: within a second nothing of A reaches the socket, and A's lists are empty.
    const removed = await w.admin.put(`/api/clients/${w.A.id}/staff`, { userIds: [] });
    expect(removed.status).toBe(200);
    expect(removed.body.staff.assigned).toEqual([]);
    await new Promise((r) => setTimeout(r, 300));
    const AFTER = 'AFTER-UNASSIGN-91b0';
    expect((await w.collabA.post(`/api/findings/${w.findingA.id}/comments`, { body: `Comment ${AFTER}`, clientMessageId: cid() })).status).toBe(201);
    const typer = (await feedSocket(app, w.collabA)).socket;
    open.push(typer);
    expect((await ask(typer, 'presence:join', { target: { kind: 'finding', id: w.findingA.id } })).ok).toBe(true);
    expect((await ask(typer, 'typing:start', { target: { kind: 'finding', id: w.findingA.id } })).ok).toBe(true);
    await settle();
    expect(JSON.stringify(rec.events)).not.toContain(AFTER);
    expect(rec.ofType('typing:changed')).toEqual([]);
    expect((await w.scoped.get(`/api/findings/${w.findingA.id}`)).status).toBe(404);
    expect((await w.scoped.get('/api/clients')).body.clients).toEqual([]);
    expect(s.socket.connected).toBe(true);

    // The firm lets analysts see every client again: the same socket hears A and B from now on.
    expect((await w.admin.put('/api/admin/security', { analystsSeeAllClients: true })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const BACK = 'AFTER-SEE-ALL-77c2';
    expect((await w.managerB.post(`/api/findings/${w.findingB.id}/comments`, { body: `B ${BACK}`, clientMessageId: cid() })).status).toBe(201);
    expect((await w.collabA.post(`/api/findings/${w.findingA.id}/comments`, { body: `A ${BACK}`, clientMessageId: cid() })).status).toBe(201);
    await settle();
    await until(() => rec.ofType('comment:created').filter((e) => JSON.stringify(e).includes(BACK)).length === 2, 'both clients’ comments');
    const clients = (await w.scoped.get('/api/clients')).body.clients.map((c: { id: string }) => c.id);
    expect(clients).toEqual(expect.arrayContaining([w.A.id, w.B.id]));

    // And scoped again: B goes away at once.
    expect((await w.admin.put('/api/admin/security', { analystsSeeAllClients: false })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const GONE = 'AFTER-RESCOPE-3a9f';
    expect((await w.managerB.post(`/api/findings/${w.findingB.id}/comments`, { body: `B ${GONE}`, clientMessageId: cid() })).status).toBe(201);
    await settle();
    expect(JSON.stringify(rec.events)).not.toContain(GONE);
  });
});

describe('assigning analysts to a client', () => {
  it('is an admin’s: lists assigned people and project teams, refuses bad ids with 400 changing nothing, audits the change', async () => {
    const w = await world();
    const got = await w.scoped.get(`/api/clients/${w.A.id}/staff`);
    expect(got.status).toBe(200);
    expect(got.body.staff).toMatchObject({ analystsSeeAllClients: false, assigned: [{ id: w.scopedRow.id, name: 'Scott Scoped' }], onTeams: [] });
    // An analyst may not widen anyone's scope, their own included.
    expect((await w.scoped.put(`/api/clients/${w.A.id}/staff`, { userIds: [w.scopedRow.id] })).status).toBe(403);
    expect((await w.scoped.put(`/api/clients/${w.B.id}/staff`, { userIds: [w.scopedRow.id] })).status).toBe(404);
    // Bad input: a portal user, a made-up id, not a list.
    const portalUser = await buildPortalUser(app.db, { client_id: w.A.id });
    const bad = await w.admin.put(`/api/clients/${w.A.id}/staff`, { userIds: [portalUser.id, '00000000-0000-4000-8000-000000000000'] });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain(portalUser.id);
    expect(bad.text).toContain('00000000-0000-4000-8000-000000000000');
    expect((await w.admin.put(`/api/clients/${w.A.id}/staff`, { userIds: 'everyone' })).status).toBe(400);
    expect((await w.admin.put(`/api/clients/${w.A.id}/staff`, { userIds: [], extra: 1 })).status).toBe(400);
    expect((await w.admin.get(`/api/clients/${w.A.id}/staff`)).body.staff.assigned.map((a: { id: string }) => a.id)).toEqual([w.scopedRow.id]);
    // Audit: who was added and removed.
    const other = await buildStaff(app.db, { name: 'Olga Other' });
    expect((await w.admin.put(`/api/clients/${w.A.id}/staff`, { userIds: [other.id] })).status).toBe(200);
    const audit = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'client.staff_assigned')
      .where('target_id', '=', w.A.id)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    expect(JSON.parse(audit.details!)).toEqual({ added: [other.id], removed: [w.scopedRow.id] });
    // A project team is a way in too, and is listed as such.
    const team = await w.admin.patch(`/api/projects/${w.projectA.id}`, { teamUserIds: [w.scopedRow.id] });
    expect(team.status, JSON.stringify(team.body)).toBe(200);
    expect((await w.admin.get(`/api/clients/${w.A.id}/staff`)).body.staff.onTeams.map((t: { id: string }) => t.id)).toEqual([w.scopedRow.id]);
    expect((await w.scoped.get(`/api/findings/${w.findingA.id}`)).status).toBe(200);
  });

  it('leaves a small firm unchanged: with the setting on (the default) an unassigned analyst sees every client', async () => {
    await buildFirm(app.db, { analysts_see_all_clients: 1 });
    const A = await buildClient(app.db);
    const analyst = await signIn(app, await buildStaff(app.db));
    const ids = (await analyst.get('/api/clients')).body.clients.map((c: { id: string }) => c.id);
    expect(ids).toContain(A.id);
    const settings = await (await signIn(app, await buildStaff(app.db, { role: 'admin' }))).get('/api/admin/security');
    expect(settings.body.analystsSeeAllClients).toBe(true);
  });

  it('assigns the analyst who creates a client to it, so a scoped analyst keeps what they create', async () => {
    await buildFirm(app.db, { analysts_see_all_clients: 0 });
    const analystRow = await buildStaff(app.db);
    const analyst = await signIn(app, analystRow);
    const created = await analyst.post('/api/clients', { name: 'Made by an analyst' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect((await analyst.get(`/api/clients/${created.body.client.id}`)).status).toBe(200);
    expect((await analyst.get('/api/clients')).body.clients.map((c: { id: string }) => c.id)).toEqual([created.body.client.id]);
  });
});
