import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding, buildProject, buildReportRow, setClientModules, setVisibleFields } from '../support/workspace.js';
import { buildDashboardWorld, type DashboardWorld } from '../support/portal.js';
import type { ActivityDTO } from '../../server/contracts/portal.js';
import type { StaffHomeDTO } from '../../server/contracts/home.js';

/**
 * Staff Home's lists (GET /api/staff/home) and the portal's Activity page (GET /api/portal/activity):
 * who may read them, what they list, that the feed pages without skipping or repeating, and that
 * one client's events, drafts and hidden fields never reach another's people.
 */

let app: TestApp;
let w: DashboardWorld;
let other: DashboardWorld;
const now = Date.now();
const DAY = 86_400_000;
const VECTOR = 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H';
const SECRET_DETAILS = 'Payload-canary-7f3a';

beforeAll(async () => {
  app = await startTestApp();
  w = await buildDashboardWorld(app.db, now, 'Contoso');
  other = await buildDashboardWorld(app.db, now, 'Globex');
  await app.db
    .updateTable('findings')
    .set({ cvss_vector: VECTOR, cvss_version: '3.1', cvss_score: 9.8, technical_details: SECRET_DETAILS })
    .where('id', '=', w.findings['SQL injection in search']!.id)
    .execute();
});
afterAll(async () => app?.close());

/** Every page of a client's feed, following `next`. */
async function allPages(agent: Agent, limit: number): Promise<ActivityDTO[]> {
  const out: ActivityDTO[] = [];
  let after: string | null = null;
  for (let i = 0; i < 50; i++) {
    const res: { status: number; body: { activity: ActivityDTO[]; next: string | null } } = await agent.get(
      `/api/portal/activity?limit=${limit}${after ? `&after=${after}` : ''}`,
    );
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.activity.length).toBeLessThanOrEqual(limit);
    out.push(...res.body.activity);
    after = res.body.next;
    if (!after) return out;
  }
  throw new Error('the feed never ended');
}
const idsOf = (x: DashboardWorld) => new Set([...Object.values(x.findings), ...x.drafts].map((f) => f.id));

describe('GET /api/portal/activity', () => {
  it('anonymous → 401; staff → 403', async () => {
    expect((await new Agent(app.url).get('/api/portal/activity')).status).toBe(401);
    const staff = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    expect((await staff.get('/api/portal/activity')).status).toBe(403);
  });

  it("lists the client's publications, status changes and reports, newest first, and nothing of a draft or before publication", async () => {
    const res = await (await signIn(app, w.people.viewer)).get('/api/portal/activity?limit=50');
    expect(res.status).toBe(200);
    const feed: ActivityDTO[] = res.body.activity;
    const texts = feed.map((e) => e.text);
    expect(texts).toContain('New finding published: SQL injection in search');
    expect(texts).toContain('Stored XSS in comments: Pending verification → Not fixed');
    expect(texts).toContain('Report published: Web application test report v2 (Web application test)');
    // 9 publications, 2 status changes made once visible, 1 published report.
    expect(feed).toHaveLength(12);
    expect(texts.join('\n')).not.toMatch(/Draft/);
    expect(texts.filter((t) => t.startsWith('SQL injection in search:'))).toEqual([]);
    const times = feed.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(res.body.next).toBeNull();
  });

  it("never shows another client's events: every link is to the viewer's own client's findings", async () => {
    for (const [x, agent] of [
      [w, await signIn(app, w.people.manager)],
      [other, await signIn(app, other.people.viewer)],
    ] as const) {
      const feed = await allPages(agent, 50);
      const mine = idsOf(x);
      const theirs = idsOf(x === w ? other : w);
      for (const e of feed.filter((e) => e.kind !== 'report_published')) {
        const id = e.link.split('/').pop()!;
        expect(mine.has(id), e.link).toBe(true);
        expect(theirs.has(id), e.link).toBe(false);
      }
    }
  });

  it('pages through the whole feed with cursors, each event once and in order, even when times tie', async () => {
    // Five publications at the very same moment, so the tie-break decides.
    const tied = now - 3 * 60_000;
    for (let i = 0; i < 5; i++)
      await buildFinding(app.db, { project_id: w.web.id, title: `Tied finding ${i}`, severity: 'low', published: true, published_at: tied });
    const agent = await signIn(app, w.people.viewer);
    const whole = (await agent.get('/api/portal/activity?limit=50')).body.activity as ActivityDTO[];
    expect(whole).toHaveLength(17);
    for (const size of [1, 2, 5]) {
      const paged = await allPages(agent, size);
      expect(paged, `pages of ${size}`).toEqual(whole);
    }
  });

  it('bad input → 400 and a clear field error', async () => {
    const agent = await signIn(app, w.people.viewer);
    for (const q of ['after=not-a-cursor', 'limit=0', 'limit=51', 'limit=two', 'colour=blue', `after=${Buffer.from('[1,9,"x"]').toString('base64url')}`]) {
      const res = await agent.get(`/api/portal/activity?${q}`);
      expect([res.status, res.body.error?.code], q).toEqual([400, 'validation_failed']);
      expect(res.body.error.message.length, q).toBeGreaterThan(5);
    }
  });

  it('the Activity module off → 403 module_disabled; findings or reports off remove their events', async () => {
    const client = await buildClient(app.db, { name: 'Initech' });
    const project = await buildProject(app.db, { client_id: client.id, name: 'Initech web', status: 'active' });
    await buildFinding(app.db, { project_id: project.id, title: 'Initech finding', published: true, published_at: now - DAY });
    await buildReportRow(app.db, project.id, { title: 'Initech report', version: 1, published: 1, published_at: now - DAY / 2 });
    const agent = await signIn(app, await buildPortalUser(app.db, { client_id: client.id, role: 'viewer' }));
    const kinds = async () => ((await agent.get('/api/portal/activity')).body.activity as ActivityDTO[]).map((e) => e.kind).sort();
    expect(await kinds()).toEqual(['finding_published', 'report_published']);
    await setClientModules(app.db, client.id, { findings: false });
    expect(await kinds()).toEqual(['report_published']);
    await setClientModules(app.db, client.id, { findings: true, reports: false });
    expect(await kinds()).toEqual(['finding_published']);
    await setClientModules(app.db, client.id, { reports: true, activity: false });
    const res = await agent.get('/api/portal/activity');
    expect([res.status, res.body.error.code]).toEqual([403, 'module_disabled']);
  });

  it('carries no finding field beyond title and status: no CVSS, no technical details, whatever the visible fields', async () => {
    const agent = await signIn(app, w.people.viewer);
    for (const hide of [false, true]) {
      await setVisibleFields(app.db, w.client.id, { cvss: !hide, technicalDetails: !hide });
      const body = JSON.stringify((await agent.get('/api/portal/activity?limit=50')).body);
      expect(body).not.toContain(VECTOR);
      expect(body).not.toContain('9.8');
      expect(body).not.toContain(SECRET_DETAILS);
      expect(body).toContain('SQL injection in search');
    }
  });
});

describe('GET /api/staff/home', () => {
  it('anonymous → 401; a client user → 403', async () => {
    expect((await new Agent(app.url).get('/api/staff/home')).status).toBe(401);
    for (const u of [w.people.manager, other.people.viewer]) expect((await (await signIn(app, u)).get('/api/staff/home')).status).toBe(403);
  });

  it('lists the latest 15 events across clients with client names and staff links', async () => {
    const res = await (await signIn(app, await buildStaff(app.db, { role: 'analyst' }))).get('/api/staff/home');
    expect(res.status).toBe(200);
    const home: StaffHomeDTO = res.body;
    expect(home.activity).toHaveLength(15);
    expect(new Set(home.activity.map((e) => e.clientName))).toEqual(new Set(['Contoso', 'Globex']));
    for (const e of home.activity) {
      expect(e.link).toMatch(/^\/staff\/(findings\/[\w-]+|projects\/[\w-]+\/reports)$/);
      const owner = e.clientName === 'Contoso' ? w : other;
      expect(e.clientId).toBe(owner.client.id);
    }
    const times = home.activity.map((e) => Date.parse(e.at));
    expect(times).toEqual([...times].sort((a, b) => b - a));
    expect(JSON.stringify(home)).not.toMatch(/Draft/);
  });

  it("lists the projects needing attention, and their counts add up to Home's cards", async () => {
    // Make one finding of Globex overdue (published a year ago, still open).
    await app.db
      .updateTable('findings')
      .set({ published_at: now - 365 * DAY })
      .where('id', '=', other.findings['Open SNMP service']!.id)
      .execute();
    const agent = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
    const home: StaffHomeDTO = (await agent.get('/api/staff/home')).body;
    const summary = (await agent.get('/api/remediation/summary')).body.summary;
    const sum = (k: 'overdue' | 'pending') => home.attention.reduce((n, p) => n + p[k], 0);
    expect(summary.pending).toBeGreaterThan(0);
    expect(summary.overdue).toBeGreaterThan(0);
    expect(sum('pending')).toBe(summary.pending);
    expect(sum('overdue')).toBe(summary.overdue);
    const network = home.attention.find((p) => p.projectId === other.network.id)!;
    expect(network).toMatchObject({ clientName: 'Globex', name: 'External network test', overdue: 1 });
    // The most pressing first, and no project without something waiting.
    expect(home.attention[0]!.overdue).toBeGreaterThan(0);
    for (const p of home.attention) expect(p.overdue + p.pending + p.openRetests).toBeGreaterThan(0);
    expect(home.start).toMatchObject({ clients: expect.any(Number), firstClient: { id: w.client.id, name: 'Contoso' } });
    expect(home.start.projects).toBeGreaterThanOrEqual(8);
  });

  it('an analyst limited to some clients sees only their activity and projects', async () => {
    await buildFirm(app.db, { analysts_see_all_clients: 0 });
    const adminRow = await buildStaff(app.db, { role: 'admin' });
    const scopedRow = await buildStaff(app.db, { role: 'analyst', name: 'Scott Scoped' });
    expect((await (await signIn(app, adminRow)).put(`/api/clients/${w.client.id}/staff`, { userIds: [scopedRow.id] })).status).toBe(200);
    const home: StaffHomeDTO = (await (await signIn(app, scopedRow)).get('/api/staff/home')).body;
    expect(home.activity.length).toBeGreaterThan(0);
    expect(new Set(home.activity.map((e) => e.clientId))).toEqual(new Set([w.client.id]));
    expect(home.attention.every((p) => p.clientId === w.client.id)).toBe(true);
    expect(home.start.clients).toBe(1);
    await buildFirm(app.db, { analysts_see_all_clients: 1 });
  });
});

describe('GET /api/staff/home on a fresh install', () => {
  let fresh: TestApp;
  beforeAll(async () => {
    fresh = await startTestApp();
    await buildFirm(fresh.db);
  });
  afterAll(async () => fresh?.close());

  it('no client: empty lists and no first client; then the first client, with no project yet', async () => {
    const agent = await signIn(fresh, await buildStaff(fresh.db, { role: 'admin' }));
    expect((await agent.get('/api/staff/home')).body).toEqual({ activity: [], attention: [], start: { clients: 0, projects: 0, firstClient: null } });
    const created = await agent.post('/api/clients', { name: 'First Client Ltd' });
    expect(created.status).toBe(201);
    expect((await agent.get('/api/staff/home')).body.start).toEqual({
      clients: 1,
      projects: 0,
      firstClient: { id: created.body.client.id, name: 'First Client Ltd' },
    });
  });
});
