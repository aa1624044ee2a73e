import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { publishedFinding, remediationSnapshot, remediationWorld, type RemediationWorld } from '../support/remediation.js';
import { buildFinding, buildProject } from '../support/workspace.js';
import { statusNoteRequired } from '../../server/contracts/remediation.js';

/**
 * The lists behind the remediation pages: the findings a Manager may name in a retest request
 * (GET /api/retests/eligible, exactly the ones POST /api/retests accepts), and the due date /
 * overdue / paused fields of the portal's and the staff's project findings tables.
 */
const DAY = 86_400_000;
let app: TestApp;
let w: RemediationWorld;
beforeAll(async () => {
  app = await startTestApp();
  w = await remediationWorld(app);
});
afterAll(async () => app?.close());

describe('GET /api/retests/eligible', () => {
  it('lists the client’s published findings a Manager may send for a retest (and only those), most severe first, with project and due date', async () => {
    const project = await buildProject(app.db, { client_id: w.clientA.id, name: 'Eligibility project', team: [w.analyst.id] });
    const make = (title: string, status: string, over: Record<string, unknown> = {}) =>
      publishedFinding(app, project, { title, status: status as 'open', ...over });
    const open = await make('E open', 'open', { severity: 'medium' });
    const notFixed = await make('E not fixed', 'not_fixed', { severity: 'critical' });
    const partial = await make('E partially fixed', 'partially_fixed', { severity: 'high', published_at: app.clock() - 45 * DAY });
    const pending = await make('E pending', 'pending_verification', { severity: 'low', due_paused_at: app.clock() });
    const refused = [await make('E verified', 'verified_fixed'), await make('E accepted', 'risk_accepted'), await make('E closed', 'closed')];
    const draft = await buildFinding(app.db, { project_id: project.id, title: 'E draft', status: 'open' });
    const other = await publishedFinding(app, await buildProject(app.db, { client_id: w.clientB.id }), { title: 'E other client' });

    const res = await w.as.managerA.get('/api/retests/eligible');
    expect(res.status, res.text).toBe(200);
    const mine = res.body.findings.filter((f: { projectId: string }) => f.projectId === project.id);
    expect(mine.map((f: { title: string }) => f.title)).toEqual(
      ['E not fixed', 'E partially fixed', 'E pending', 'E open'].sort((a, b) => order(a) - order(b)),
    );
    const byId = new Map(mine.map((f: { id: string }) => [f.id, f]));
    expect(byId.get(partial.id)).toMatchObject({ projectName: 'Eligibility project', status: 'partially_fixed', severity: 'high', overdue: true });
    expect(byId.get(open.id)).toMatchObject({ overdue: false, dueAt: new Date(open.published_at! + 90 * DAY).toISOString() });
    const ids = res.body.findings.map((f: { id: string }) => f.id);
    for (const f of [...refused, draft, other]) expect(ids).not.toContain(f.id);
    // Nothing internal, no client.
    expect(JSON.stringify(res.body)).not.toMatch(/internal|clientId/i);
    // Client B's Manager sees B's, not A's.
    const b = await w.as.managerB.get('/api/retests/eligible');
    expect(b.body.findings.map((f: { id: string }) => f.id)).toContain(other.id);
    expect(b.body.findings.map((f: { id: string }) => f.id)).not.toContain(open.id);

    // What the list offers is what the request accepts; what it leaves out is refused and changes nothing.
    for (const f of refused) {
      const before = await remediationSnapshot(app);
      const r = await w.as.managerA.post('/api/retests', { findingIds: [open.id, f.id], message: 'Please retest.' });
      expect(r.status).toBe(409);
      expect(await remediationSnapshot(app)).toBe(before);
    }
    const ok = await w.as.managerA.post('/api/retests', { findingIds: [open.id, notFixed.id, partial.id, pending.id], message: 'All four patched.' });
    expect(ok.status, ok.text).toBe(201);
    // They are all Pending verification now, so still eligible (a request can link to the waiting round).
    const after = (await w.as.managerA.get('/api/retests/eligible')).body.findings.filter((f: { projectId: string }) => f.projectId === project.id);
    expect(after.every((f: { status: string }) => f.status === 'pending_verification')).toBe(true);
    expect(after).toHaveLength(4);
  });

  it('is for the client’s Managers only: anonymous 401, Viewers, Collaborators and staff 403, module off 403', async () => {
    expect((await new Agent(app.url).get('/api/retests/eligible')).status).toBe(401);
    for (const a of [w.as.viewerA, w.as.collaboratorA, w.as.analyst, w.as.admin]) expect((await a.get('/api/retests/eligible')).status).toBe(403);
    await app.db
      .updateTable('clients')
      .set({ modules: JSON.stringify({ findings: false }) })
      .where('id', '=', w.clientB.id)
      .execute();
    const off = await w.as.managerB.get('/api/retests/eligible');
    expect(off.status).toBe(403);
    expect(off.body.error.code).toBe('module_disabled');
    await app.db.updateTable('clients').set({ modules: '{}' }).where('id', '=', w.clientB.id).execute();
  });
});

/** The paused clock runs on while the test does (the app's clock is real time): a second's slack. */
const near = (iso: string | null, ms: number) => iso != null && Math.abs(Date.parse(iso) - ms) < 1000;
const order = (title: string) => ['E not fixed', 'E partially fixed', 'E open', 'E pending'].indexOf(title);

describe('due dates in the project findings tables', () => {
  it('the portal project and the staff project lists carry dueAt, overdue and duePaused, the same as the finding page', async () => {
    const project = await buildProject(app.db, { client_id: w.clientA.id, name: 'Due project', team: [w.analyst.id] });
    const late = await publishedFinding(app, project, { title: 'Late', severity: 'high', published_at: app.clock() - 45 * DAY });
    const paused = await publishedFinding(app, project, {
      title: 'Paused',
      severity: 'critical',
      status: 'pending_verification',
      published_at: app.clock() - 10 * DAY,
      due_paused_at: app.clock() - 5 * DAY,
    });
    const info = await publishedFinding(app, project, { title: 'Info', severity: 'informational' });

    const portal = await w.as.viewerA.get(`/api/portal/projects/${project.id}/findings`);
    expect(portal.status, portal.text).toBe(200);
    const rows = new Map(portal.body.findings.map((f: { id: string }) => [f.id, f]));
    expect(rows.get(late.id)).toMatchObject({ overdue: true, duePaused: false, dueAt: new Date(late.published_at! + 30 * DAY).toISOString() });
    // Paused for 5 days: the due date moved 5 days on, and a finding waiting for verification is never overdue.
    expect(rows.get(paused.id)).toMatchObject({ overdue: false, duePaused: true });
    expect(near((rows.get(paused.id) as { dueAt: string }).dueAt, paused.published_at! + 12 * DAY)).toBe(true);
    expect(rows.get(info.id)).toMatchObject({ dueAt: null, overdue: false });
    for (const f of portal.body.findings) {
      const page = await w.as.viewerA.get(`/api/portal/findings/${f.id}`);
      expect({ overdue: f.overdue, duePaused: f.duePaused }).toEqual({ overdue: page.body.finding.overdue, duePaused: page.body.finding.duePaused });
      expect(f.dueAt === page.body.finding.dueAt || near(f.dueAt, Date.parse(page.body.finding.dueAt))).toBe(true);
    }

    const staff = await w.as.analyst.get(`/api/projects/${project.id}/findings`);
    expect(staff.status, staff.text).toBe(200);
    const srows = new Map(staff.body.findings.map((f: { id: string }) => [f.id, f]));
    expect(srows.get(late.id)).toMatchObject({ overdue: true, dueAt: new Date(late.published_at! + 30 * DAY).toISOString() });
    expect(srows.get(paused.id)).toMatchObject({ duePaused: true, overdue: false });
  });
});

describe('statusNoteRequired (the staff status dialog)', () => {
  it('matches what the server refuses without a note', async () => {
    const project = await buildProject(app.db, { client_id: w.clientA.id, team: [w.analyst.id] });
    const cases: [string, string][] = [
      ['open', 'pending_verification'],
      ['pending_verification', 'not_fixed'],
      ['pending_verification', 'partially_fixed'],
      ['pending_verification', 'verified_fixed'],
      ['open', 'risk_accepted'],
      ['verified_fixed', 'closed'],
    ];
    for (const [from, to] of cases) {
      // Pending verification comes with its waiting round, as a Manager's submission makes it.
      const f = await publishedFinding(app, project, { status: (from === 'pending_verification' ? 'open' : from) as 'open' });
      if (from === 'pending_verification') expect((await w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'Fixed.' })).status).toBe(200);
      // A verdict on an open round goes through the verdict route (issue 18: Change status offers none then).
      const res =
        from === 'pending_verification'
          ? await w.as.analyst.post(`/api/findings/${f.id}/remediation/verdict`, { verdict: to, notes: '' })
          : await w.as.analyst.post(`/api/findings/${f.id}/status`, { status: to, note: '' });
      expect(res.status === 400, `${from} → ${to}: ${res.status} ${res.text}`).toBe(statusNoteRequired(from as 'open', to as 'open'));
    }
  });
});
