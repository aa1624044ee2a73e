import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding, buildProject, workspaceSnapshot } from '../support/workspace.js';
import type { ClientRow, ProjectRow, UserRow } from '../../db/schema.js';

let app: TestApp;
let admin: Agent;
let analyst: Agent;
let analystUser: UserRow;
let adminUser: UserRow;
let portalA: Agent;
let portalB: Agent;
let portalAUser: UserRow;
let clientA: ClientRow;
let clientB: ClientRow;
let projectA: ProjectRow;

beforeAll(async () => {
  app = await startTestApp();
  adminUser = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' });
  analystUser = await buildStaff(app.db, { name: 'Sam Analyst' });
  admin = await signIn(app, adminUser);
  analyst = await signIn(app, analystUser);
  clientA = await buildClient(app.db, { name: 'Contoso' });
  clientB = await buildClient(app.db, { name: 'Globex' });
  portalAUser = await buildPortalUser(app.db, { client_id: clientA.id, role: 'manager' });
  portalA = await signIn(app, portalAUser);
  portalB = await signIn(app, await buildPortalUser(app.db, { client_id: clientB.id, role: 'manager' }));
  projectA = await buildProject(app.db, { client_id: clientA.id, name: 'Contoso external test', team: [analystUser.id] });
});
afterAll(async () => app?.close());

const snap = () => workspaceSnapshot(app.db);
const audits = (action: string) => app.db.selectFrom('audit_events').selectAll().where('action', '=', action).orderBy('id').execute();

const idRoutes = (clientId: string, projectId: string) =>
  [
    ['GET', `/api/clients/${clientId}/projects`, undefined],
    ['POST', `/api/clients/${clientId}/projects`, { name: 'Sneaky' }],
    ['GET', `/api/projects/${projectId}`, undefined],
    ['PATCH', `/api/projects/${projectId}`, { name: 'Renamed' }],
  ] as const;

describe('who may see and manage projects', () => {
  it('anonymous → 401 everywhere; nothing changes', async () => {
    const before = await snap();
    for (const [m, p, b] of [
      ['GET', '/api/projects', undefined] as const,
      ['GET', '/api/projects/team-options', undefined] as const,
      ...idRoutes(clientA.id, projectA.id),
    ]) {
      expect((await new Agent(app.url).request(m, p, b)).status, `${m} ${p}`).toBe(401);
    }
    expect(await snap()).toBe(before);
  });

  it('portal users: 404 for staff reads and anything not theirs, 403 for writing their own client’s project, 403 for the firm-wide list', async () => {
    const before = await snap();
    for (const agent of [portalA, portalB]) {
      expect((await agent.get('/api/projects')).status).toBe(403);
      expect((await agent.get('/api/projects/team-options')).status).toBe(403);
      for (const [m, p, b] of [...idRoutes(clientA.id, projectA.id), ...idRoutes(randomUUID(), randomUUID())]) {
        const res = await agent.request(m, p, b);
        // Client A's people can see their project in the portal, so changing it is a role that may not (403);
        // the staff views and everything of another client are 404, as a made-up id.
        const ownWrite = agent === portalA && m !== 'GET' && p.includes(projectA.id);
        expect(res.status, `${m} ${p}`).toBe(ownWrite ? 403 : 404);
        expect(res.text).not.toContain('Contoso');
      }
    }
    expect(await snap()).toBe(before);
  });

  it('staff get 404 for a made-up client or project', async () => {
    for (const [m, p, b] of idRoutes(randomUUID(), 'no-such-project')) expect((await analyst.request(m, p, b)).status, `${m} ${p}`).toBe(404);
  });
});

describe('staff manage projects', () => {
  it('an analyst creates a project with a team; it is audited and listed', async () => {
    const res = await analyst.post(`/api/clients/${clientA.id}/projects`, {
      name: '  Web app assessment ',
      status: 'active',
      startDate: '2026-01-05',
      endDate: '2026-01-30',
      description: 'Scope: **app**',
      teamUserIds: [adminUser.id, analystUser.id, analystUser.id],
    });
    expect(res.status).toBe(201);
    const p = res.body.project;
    expect(p).toMatchObject({
      name: 'Web app assessment',
      status: 'active',
      startDate: '2026-01-05',
      endDate: '2026-01-30',
      description: 'Scope: **app**',
      clientId: clientA.id,
      clientName: 'Contoso',
    });
    expect(p.team.map((t: { name: string }) => t.name)).toEqual(['Ada Admin', 'Sam Analyst']);
    expect(p.findingCounts).toEqual({ critical: 0, high: 0, medium: 0, low: 0, informational: 0, total: 0, open: 0 });
    const [audit] = (await audits('project.created')).filter((a) => a.target_id === p.id);
    expect(audit).toMatchObject({ client_id: clientA.id, actor_id: analystUser.id, outcome: 'success' });

    const list = await admin.get(`/api/clients/${clientA.id}/projects`);
    expect(list.status).toBe(200);
    expect(list.body.projects.map((x: { name: string }) => x.name)).toEqual(expect.arrayContaining(['Web app assessment', 'Contoso external test']));
    expect((await admin.get(`/api/clients/${clientB.id}/projects`)).body.projects).toEqual([]);
  });

  it('defaults: planned, no dates, empty team', async () => {
    const res = await analyst.post(`/api/clients/${clientB.id}/projects`, { name: 'Globex retest' });
    expect(res.status).toBe(201);
    expect(res.body.project).toMatchObject({ status: 'planned', startDate: null, endDate: null, description: '', team: [] });
  });

  it('the firm-wide list holds every client’s projects with the client name', async () => {
    const res = await analyst.get('/api/projects');
    expect(res.status).toBe(200);
    const names = res.body.projects.map((p: { clientName: string; name: string }) => `${p.clientName}: ${p.name}`);
    expect(names).toEqual(expect.arrayContaining(['Contoso: Contoso external test', 'Globex: Globex retest']));
  });

  it('GET /projects/:id has the team and finding counts by severity (drafts included for staff)', async () => {
    const p = await buildProject(app.db, { client_id: clientA.id, team: [adminUser.id] });
    await buildFinding(app.db, { project_id: p.id, severity: 'critical', published: true });
    await buildFinding(app.db, { project_id: p.id, severity: 'critical' });
    await buildFinding(app.db, { project_id: p.id, severity: 'low', status: 'verified_fixed' });
    const res = await analyst.get(`/api/projects/${p.id}`);
    expect(res.status).toBe(200);
    expect(res.body.project.team).toEqual([{ id: adminUser.id, name: 'Ada Admin' }]);
    expect(res.body.project.findingCounts).toEqual({ critical: 2, high: 0, medium: 0, low: 1, informational: 0, total: 3, open: 2 });
  });

  it('PATCH changes only what is sent, replaces the team, and audits the changed fields', async () => {
    const p = await buildProject(app.db, { client_id: clientA.id, team: [analystUser.id], start_date: '2026-02-01' });
    const res = await admin.patch(`/api/projects/${p.id}`, { status: 'completed', endDate: '2026-02-20', teamUserIds: [adminUser.id] });
    expect(res.status).toBe(200);
    expect(res.body.project).toMatchObject({
      name: p.name,
      status: 'completed',
      startDate: '2026-02-01',
      endDate: '2026-02-20',
      team: [{ id: adminUser.id, name: 'Ada Admin' }],
    });
    const audit = (await audits('project.updated')).filter((a) => a.target_id === p.id);
    expect(audit).toHaveLength(1);
    expect(JSON.parse(audit[0]!.details!)).toMatchObject({ changed: ['status', 'endDate', 'team'], status: 'completed' });

    const again = await admin.patch(`/api/projects/${p.id}`, { status: 'completed' });
    expect(again.status).toBe(200);
    expect((await audits('project.updated')).filter((a) => a.target_id === p.id)).toHaveLength(1);
  });

  it('a new project for an archived client is refused (409)', async () => {
    const archived = await buildClient(app.db, { archived_at: Date.now() });
    const before = await snap();
    expect((await analyst.post(`/api/clients/${archived.id}/projects`, { name: 'Late' })).status).toBe(409);
    expect(await snap()).toBe(before);
  });
});

describe('team options', () => {
  it('an analyst (not only an admin) gets the active staff who can be on a team', async () => {
    const invited = await buildStaff(app.db, { status: 'invited', name: 'Ivy Invited' });
    const res = await analyst.get('/api/projects/team-options');
    expect(res.status).toBe(200);
    const ids = res.body.staff.map((s: { id: string }) => s.id);
    expect(ids).toEqual(expect.arrayContaining([adminUser.id, analystUser.id]));
    expect(ids).not.toContain(invited.id);
    expect(ids).not.toContain(portalAUser.id);
    expect(res.body.staff.find((s: { id: string }) => s.id === adminUser.id)).toEqual({ id: adminUser.id, name: 'Ada Admin' });
  });
});

describe('project input is validated and a refusal changes nothing', () => {
  it('team: only active staff accounts (400 naming the bad ids)', async () => {
    const invited = await buildStaff(app.db, { status: 'invited' });
    const removed = await buildStaff(app.db, { status: 'removed' });
    const ghost = randomUUID();
    const before = await snap();
    for (const bad of [portalAUser.id, invited.id, removed.id, ghost]) {
      const res = await analyst.post(`/api/clients/${clientA.id}/projects`, { name: 'Team test', teamUserIds: [analystUser.id, bad] });
      expect(res.status, bad).toBe(400);
      expect(res.body.error.details[0]).toMatchObject({ path: 'teamUserIds', invalid: [bad] });
      expect((await analyst.patch(`/api/projects/${projectA.id}`, { teamUserIds: [bad] })).status).toBe(400);
    }
    expect(await snap()).toBe(before);
  });

  it('bad fields, unknown keys and a client id in the body are refused', async () => {
    const before = await snap();
    for (const body of [
      {},
      { name: '' },
      { name: 'x'.repeat(201) },
      { name: 'X', status: 'done' },
      { name: 'X', startDate: '2026-13-01' },
      { name: 'X', startDate: '01/02/2026' },
      { name: 'X', startDate: '2026-03-02', endDate: '2026-03-01' },
      { name: 'X', teamUserIds: ['not-a-uuid'] },
      { name: 'X', teamUserIds: 'everyone' },
      { name: 'X', clientId: clientB.id },
      { name: 'X', id: randomUUID() },
    ]) {
      expect((await analyst.post(`/api/clients/${clientA.id}/projects`, body)).status, JSON.stringify(body)).toBe(400);
    }
    for (const body of [{ name: '' }, { status: 'paused' }, { startDate: 'soon' }, { clientId: clientB.id }, { description: 1 }, { createdAt: 1 }]) {
      expect((await analyst.patch(`/api/projects/${projectA.id}`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect(await snap()).toBe(before);
  });

  it('an end date before the stored start date is refused on PATCH', async () => {
    const p = await buildProject(app.db, { client_id: clientA.id, start_date: '2026-05-10' });
    const res = await analyst.patch(`/api/projects/${p.id}`, { endDate: '2026-05-01' });
    expect(res.status).toBe(400);
    expect(res.body.error.details[0].path).toBe('endDate');
  });
});
