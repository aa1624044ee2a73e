import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding, buildProject, buildReportRow, setClientModules, setVisibleFields } from '../support/workspace.js';
import { buildDashboardWorld, buildEvidenceSet, keysIn, type DashboardWorld } from '../support/portal.js';
import type { FindingRow } from '../../db/schema.js';

let app: TestApp;
let w: DashboardWorld;
let other: DashboardWorld;
let finding: FindingRow;
const now = Date.now();

beforeAll(async () => {
  app = await startTestApp();
  w = await buildDashboardWorld(app.db, now, 'Contoso');
  other = await buildDashboardWorld(app.db, now, 'Globex');
  finding = w.findings['SQL injection in search']!;
  await app.db
    .updateTable('findings')
    .set({
      cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      cvss_version: '3.1',
      cvss_score: 9.8,
      technical_details: 'Payload: `1 OR 1=1`',
      references_json: JSON.stringify(['https://owasp.org/www-community/attacks/SQL_Injection']),
      internal_notes: 'Billing: 4h extra',
    })
    .where('id', '=', finding.id)
    .execute();
});
afterAll(async () => app?.close());

const routesFor = (x: DashboardWorld, f: FindingRow = x.findings['SQL injection in search']!) => [
  '/api/portal/dashboard',
  '/api/portal/projects',
  `/api/portal/projects/${x.web.id}`,
  `/api/portal/projects/${x.web.id}/findings`,
  `/api/portal/findings/${f.id}`,
  '/api/portal/reports',
];
const auditCount = async () =>
  Number(
    (
      await app.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('who may read the portal', () => {
  it('anonymous → 401, and a session still owing its second factor → 401 mfa_required', async () => {
    const pending = await signIn(app, w.people.viewer, { mfaVerified: false });
    for (const p of routesFor(w)) {
      expect((await new Agent(app.url).get(p)).status, p).toBe(401);
      const res = await pending.get(p);
      expect([res.status, res.body.error.code], p).toEqual([401, 'mfa_required']);
    }
  });

  it('staff (analyst and admin) → 403 on every portal route', async () => {
    for (const role of ['analyst', 'admin'] as const) {
      const staff = await signIn(app, await buildStaff(app.db, { role }));
      for (const p of routesFor(w)) expect((await staff.get(p)).status, `${role} ${p}`).toBe(403);
    }
  });

  it('a Viewer, Collaborator and Manager of the client → 200 on every route', async () => {
    for (const u of Object.values(w.people)) {
      const agent = await signIn(app, u);
      for (const p of routesFor(w)) expect((await agent.get(p)).status, `${u.role} ${p}`).toBe(200);
    }
  });

  it('a portal whose client is switched off → 403 for its users', async () => {
    const client = await buildClient(app.db, { portal_enabled: 0 });
    const agent = await signIn(app, await buildPortalUser(app.db, { client_id: client.id }));
    expect((await agent.get('/api/portal/dashboard')).status).toBe(403);
  });
});

describe('isolation: another client, drafts and made-up ids all look the same', () => {
  it('a user of client B asking for A’s project, finding → the same 404 as a made-up id, and the request is not audited', async () => {
    const b = await signIn(app, other.people.manager);
    const madeUp = await b.get('/api/portal/findings/00000000-0000-4000-8000-000000000000');
    expect(madeUp.status).toBe(404);
    const before = await auditCount();
    for (const p of [`/api/portal/projects/${w.web.id}`, `/api/portal/findings/${finding.id}`, `/api/portal/projects/${w.planned.id}`]) {
      const res = await b.get(p);
      expect(res.status, p).toBe(404);
      expect(res.body.error).toEqual(madeUp.body.error);
      expect(res.text).not.toContain('Contoso');
    }
    expect(await auditCount()).toBe(before);
  });

  it('drafts → 404; a draft never appears in lists, counts or activity', async () => {
    const a = await signIn(app, w.people.viewer);
    for (const d of w.drafts) expect((await a.get(`/api/portal/findings/${d.id}`)).status).toBe(404);
    for (const p of routesFor(w)) {
      const res = await a.get(p);
      for (const d of w.drafts) {
        expect(res.text, p).not.toContain(d.id);
        expect(res.text, p).not.toContain(d.title);
      }
      expect(res.text, p).not.toContain(w.reports.draft.id);
      expect(res.text, p).not.toContain('Draft report');
    }
    const cloud = await a.get(`/api/portal/projects/${w.cloud.id}`);
    expect(cloud.status).toBe(200);
    expect(cloud.body.project.findingCounts.total).toBe(0);
    expect((await a.get(`/api/portal/projects/${w.cloud.id}/findings`)).body).toEqual({ findings: [], next: null, matching: 0 });
  });

  it('made-up and malformed ids → 404', async () => {
    const a = await signIn(app, w.people.viewer);
    for (const id of ['00000000-0000-4000-8000-000000000000', 'x', "' OR 1=1 --", '%2e%2e', 'a'.repeat(500)]) {
      expect((await a.get(`/api/portal/projects/${encodeURIComponent(id)}`)).status, id).toBe(404);
      expect((await a.get(`/api/portal/findings/${encodeURIComponent(id)}`)).status, id).toBe(404);
    }
  });

  it('the client comes from the session: a client id in the query or a header changes nothing', async () => {
    const a = await signIn(app, w.people.viewer);
    const plain = await a.get('/api/portal/projects');
    const tricked = await a.get(`/api/portal/projects?clientId=${other.client.id}&client_id=${other.client.id}`, { 'x-client-id': other.client.id });
    expect(tricked.body).toEqual(plain.body);
    expect(tricked.text).not.toContain(other.web.id);
  });

  it('lists hold only the viewer’s own client’s projects and reports', async () => {
    const b = await signIn(app, other.people.viewer);
    const projects = (await b.get('/api/portal/projects')).body.projects as { id: string }[];
    expect(projects.map((p) => p.id).sort()).toEqual([other.web.id, other.network.id, other.cloud.id, other.planned.id].sort());
    const reports = (await b.get('/api/portal/reports')).body.reports as { id: string }[];
    expect(reports.map((r) => r.id)).toEqual([other.reports.published.id]);
  });
});

describe('the dashboard', () => {
  it('computes the numbers from published data only', async () => {
    const res = await (await signIn(app, w.people.collaborator)).get('/api/portal/dashboard');
    expect(res.status).toBe(200);
    expect(res.body.activeProjects).toBe(2);
    expect(res.body.openBySeverity).toEqual({ critical: 1, high: 1, medium: 2, low: 1, informational: 0 });
    expect(res.body.progress).toEqual([
      { projectId: w.network.id, name: 'External network test', total: 2, resolved: 1, percent: 50 },
      { projectId: w.web.id, name: 'Web application test', total: 7, resolved: 3, percent: 43 },
    ]);
  });

  it('lists the latest 10 client-visible events, newest first, with links', async () => {
    const { recentActivity } = (await (await signIn(app, w.people.viewer)).get('/api/portal/dashboard')).body;
    expect(recentActivity).toHaveLength(10);
    expect(recentActivity.map((e: { text: string }) => e.text)).toEqual([
      'Report published: Web application test report v2 (Web application test)',
      'Stored XSS in comments: Pending verification → Not fixed',
      'Session fixation: Open → Verified fixed',
      'New finding published: Outdated TLS configuration',
      'New finding published: Open SNMP service',
      'New finding published: Weak password policy',
      'New finding published: Server banner disclosure',
      'New finding published: Missing HSTS header',
      'New finding published: Verbose error messages',
      'New finding published: Session fixation',
    ]);
    expect(recentActivity[0]).toMatchObject({ kind: 'report_published', link: '/portal/reports', at: new Date(now - 2 * 60_000).toISOString() });
    expect(recentActivity[1]).toMatchObject({ kind: 'status_changed', link: `/portal/findings/${w.findings['Stored XSS in comments']!.id}` });
  });

  it('a client with nothing published yet gets zeros and an empty feed', async () => {
    const client = await buildClient(app.db);
    await buildFinding(app.db, { client_id: client.id, title: 'Unpublished' });
    const res = await (await signIn(app, await buildPortalUser(app.db, { client_id: client.id }))).get('/api/portal/dashboard');
    expect(res.body).toEqual({
      activeProjects: 1,
      openBySeverity: { critical: 0, high: 0, medium: 0, low: 0, informational: 0 },
      progress: [],
      recentActivity: [],
    });
  });
});

describe('projects, findings and reports', () => {
  it('the projects list shows every status with published-only counts', async () => {
    const { projects } = (await (await signIn(app, w.people.viewer)).get('/api/portal/projects')).body;
    const web = projects.find((p: { id: string }) => p.id === w.web.id);
    expect(web.findingCounts).toEqual({ critical: 1, high: 2, medium: 2, low: 1, informational: 1, total: 7, open: 4 });
    expect(projects.map((p: { status: string }) => p.status).sort()).toEqual(['active', 'active', 'completed', 'planned']);
    for (const key of ['clientId', 'clientName', 'team']) expect(keysIn(projects).has(key), key).toBe(false);
  });

  it('project details: its published reports; its published findings as summary rows from …/findings', async () => {
    const a = await signIn(app, w.people.viewer);
    const res = await a.get(`/api/portal/projects/${w.web.id}`);
    expect(res.body.project.name).toBe('Web application test');
    expect(Object.keys(res.body).sort()).toEqual(['project', 'reports']);
    const list = (await a.get(`/api/portal/projects/${w.web.id}/findings`)).body;
    expect([list.findings.length, list.matching, list.next]).toEqual([7, 7, null]);
    expect(Object.keys(list.findings[0]).sort()).toEqual([
      'cvssScore',
      'dueAt',
      'duePaused',
      'id',
      'overdue',
      'projectId',
      'publishedAt',
      'severity',
      'status',
      'title',
      'updatedAt',
    ]);
    expect(res.body.reports).toHaveLength(1);
    expect(res.body.reports[0]).toMatchObject({ id: w.reports.published.id, downloadUrl: `/api/reports/${w.reports.published.id}/download` });
    for (const key of ['published', 'damagedAt', 'createdBy', 'clientId']) expect(keysIn(res.body.reports).has(key), key).toBe(false);
  });

  it('finding details: every visible field, the status history, never internal notes', async () => {
    const res = await (await signIn(app, w.people.viewer)).get(`/api/portal/findings/${finding.id}`);
    const f = res.body.finding;
    expect(f).toMatchObject({
      id: finding.id,
      projectName: 'Web application test',
      severity: 'critical',
      cvssScore: 9.8,
      cvssVersion: '3.1',
      references: ['https://owasp.org/www-community/attacks/SQL_Injection'],
      affectedAssets: ['app.contoso.test'],
    });
    expect(f.technicalDetailsHtml).toContain('<code>1 OR 1=1</code>');
    expect(f.statusHistory.map((h: { to: string }) => h.to)).toEqual(['open', 'open']);
    expect(res.text).not.toContain('Billing');
    for (const key of ['internalNotes', 'description', 'published', 'version', 'clientId', 'createdBy']) expect(keysIn(f).has(key), key).toBe(false);
  });

  it('evidence: only shared items with a client copy, never the original', async () => {
    const f = await buildFinding(app.db, { project_id: w.network.id, published: true, title: 'With evidence' });
    const ev = await buildEvidenceSet(app.db, f, 'EV');
    const body = (await (await signIn(app, w.people.viewer)).get(`/api/portal/findings/${f.id}`)).body;
    expect(body.finding.evidence).toEqual([
      {
        id: ev.shared.id,
        findingId: f.id,
        kind: 'file',
        caption: 'EV-shared',
        width: null,
        height: null,
        url: `/api/evidence/${ev.shared.id}/file`,
        thumbUrl: null,
        createdAt: expect.any(String),
      },
    ]);
    expect(JSON.stringify(body)).not.toMatch(/EV-unshared|EV-nocopy|original-name|\/original/);
  });

  it('reports: all published reports of the client, newest first', async () => {
    const p = await buildProject(app.db, { client_id: w.client.id, name: 'Retest' });
    const newer = await buildReportRow(app.db, p.id, { title: 'Retest report', published: 1, published_at: now - 60_000 });
    const { reports } = (await (await signIn(app, w.people.viewer)).get('/api/portal/reports')).body;
    expect(reports.map((r: { id: string }) => r.id)).toEqual([newer.id, w.reports.published.id]);
    expect(reports[0]).toMatchObject({ projectName: 'Retest', title: 'Retest report', version: 1 });
  });

  it('pages viewed are audited: project, finding, reports list', async () => {
    const manager = await buildPortalUser(app.db, { client_id: w.client.id, role: 'manager' });
    const a = await signIn(app, manager);
    await a.get('/api/portal/dashboard');
    await a.get('/api/portal/projects');
    await a.get(`/api/portal/projects/${w.web.id}`);
    await a.get(`/api/portal/findings/${finding.id}`);
    await a.get('/api/portal/reports');
    const rows = await app.db
      .selectFrom('audit_events')
      .select(['action', 'target_type', 'target_id', 'client_id', 'outcome'])
      .where('actor_id', '=', manager.id)
      .where('action', '=', 'portal.viewed')
      .orderBy('id')
      .execute();
    expect(rows).toEqual([
      { action: 'portal.viewed', target_type: 'project', target_id: w.web.id, client_id: w.client.id, outcome: 'success' },
      { action: 'portal.viewed', target_type: 'finding', target_id: finding.id, client_id: w.client.id, outcome: 'success' },
      { action: 'portal.viewed', target_type: 'reports', target_id: null, client_id: w.client.id, outcome: 'success' },
    ]);
  });
});

describe('modules and visible fields take effect on the very next request', () => {
  it('a module that is off → 403 module_disabled naming it; the session says locked; the dashboard omits that part', async () => {
    const a = await signIn(app, w.people.viewer);
    const cases = [
      {
        module: 'projects',
        label: 'Projects',
        paths: [
          '/api/portal/projects',
          `/api/portal/projects/${w.web.id}`,
          `/api/portal/projects/${crypto.randomUUID()}`,
          `/api/portal/projects/${w.web.id}/findings`,
        ],
        gone: ['activeProjects', 'progress'],
      },
      {
        module: 'findings',
        label: 'Findings',
        paths: [`/api/portal/findings/${finding.id}`, `/api/portal/findings/${w.drafts[0]!.id}`, `/api/portal/projects/${w.web.id}/findings`],
        gone: ['openBySeverity', 'progress'],
      },
      { module: 'reports', label: 'Reports', paths: ['/api/portal/reports'], gone: [] },
    ] as const;
    for (const c of cases) {
      await setClientModules(app.db, w.client.id, { [c.module]: false });
      for (const p of c.paths) {
        const res = await a.get(p);
        expect([res.status, res.body.error.code, res.body.error.details], p).toEqual([403, 'module_disabled', { module: c.module }]);
        expect(res.body.error.message).toContain(c.label);
      }
      expect((await a.get('/api/session')).body.modules[c.module]).toBe(false);
      const dash = await a.get('/api/portal/dashboard');
      expect(dash.status).toBe(200);
      for (const k of c.gone) expect(Object.hasOwn(dash.body, k), `${c.module}: ${k}`).toBe(false);
      const kinds = new Set(dash.body.recentActivity.map((e: { kind: string }) => e.kind));
      if (c.module === 'findings') expect([...kinds]).toEqual(['report_published']);
      if (c.module === 'reports') expect(kinds.has('report_published')).toBe(false);
      if (c.module !== 'projects') {
        const detail = (await a.get(`/api/portal/projects/${w.web.id}`)).body;
        if (c.module === 'reports') expect(detail.reports).toBeNull();
        else expect(Object.keys(detail).sort()).toEqual(['project', 'reports']);
      }
      await setClientModules(app.db, w.client.id, { [c.module]: true });
      for (const p of c.paths.slice(0, 1)) expect((await a.get(p)).status, p).toBe(200);
      expect((await a.get('/api/session')).body.modules[c.module]).toBe(true);
    }
  });

  it('hidden fields are absent (not null) and back on the next request when switched on', async () => {
    const f = await buildFinding(app.db, {
      project_id: w.web.id,
      published: true,
      title: 'Hide me',
      cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N',
      cvss_version: '3.1',
      cvss_score: 5.3,
      references: ['https://example.com/ref'],
    });
    await buildEvidenceSet(app.db, f, 'HIDE');
    const a = await signIn(app, w.people.viewer);
    const fieldsOf = {
      cvss: ['cvssVersion', 'cvssVector', 'cvssScore'],
      technicalDetails: ['technicalDetailsHtml'],
      references: ['references'],
      evidence: ['evidence'],
    } as const;
    for (const [key, fields] of Object.entries(fieldsOf)) {
      await setVisibleFields(app.db, w.client.id, { [key]: false });
      const hidden = (await a.get(`/api/portal/findings/${f.id}`)).body.finding;
      const rows = (await a.get(`/api/portal/projects/${w.web.id}/findings`)).body.findings;
      for (const field of fields) {
        expect(Object.hasOwn(hidden, field), `${key} off: ${field}`).toBe(false);
        expect(keysIn(rows).has(field), `${key} off: ${field} in the table`).toBe(false);
      }
      await setVisibleFields(app.db, w.client.id, { [key]: true });
      const shown = (await a.get(`/api/portal/findings/${f.id}`)).body.finding;
      for (const field of fields) expect(Object.hasOwn(shown, field), `${key} on: ${field}`).toBe(true);
    }
  });
});
