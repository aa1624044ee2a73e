import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import {
  notificationsOf,
  publishedFinding,
  remediationSnapshot,
  remediationWorld,
  uploadRemediationFile,
  type RemediationWorld,
} from '../support/remediation.js';
import { getBytes, smallPng } from '../support/images.js';
import { buildFinding, buildProject } from '../support/workspace.js';
import { buildClient } from '../support/factories.js';

const DAY = 86_400_000;
let app: TestApp;
let w: RemediationWorld;
beforeAll(async () => {
  app = await startTestApp();
  w = await remediationWorld(app);
});
afterAll(async () => app?.close());

const status = async (id: string) => (await app.db.selectFrom('findings').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
const rounds = (id: string) => app.db.selectFrom('remediation_rounds').selectAll().where('finding_id', '=', id).orderBy('round_no').execute();

describe('the remediation loop over HTTP', () => {
  it('Manager submits → team notified → Not fixed → resubmit → Partially fixed → resubmit → Verified fixed; both sides see three rounds', async () => {
    const f = await publishedFinding(app, w.project, { title: 'Loop finding', internal_notes: 'INTERNAL-CANARY' });

    const sub = await w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'Patched the upload handler.' });
    expect(sub.status, sub.text).toBe(200);
    expect(sub.body.remediation).toMatchObject({ status: 'pending_verification', paused: true, can: { submit: false, verdict: false, statuses: [] } });
    expect(sub.body.remediation.rounds).toHaveLength(1);
    // The project's team is told (not staff outside the team, not the submitter).
    expect((await notificationsOf(app, w.analyst.id)).map((n) => [n.kind, n.finding_id, n.link])).toEqual([['remediation', f.id, `/staff/findings/${f.id}`]]);
    expect(await notificationsOf(app, w.outsider.id)).toEqual([]);
    expect(await notificationsOf(app, w.managerA.id)).toEqual([]);

    // A second submission while one waits is refused (409, naming the status).
    const twice = await w.as.manager2A.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'Again' });
    expect(twice.status).toBe(409);
    expect(twice.body.error.message).toContain('Pending verification');

    const before = await remediationSnapshot(app);
    for (const bad of [
      { verdict: 'not_fixed' },
      { verdict: 'partially_fixed', notes: '   ' },
      { verdict: 'fixed', notes: 'x' },
      { verdict: 'not_fixed', notes: 'x', extra: 1 },
    ]) {
      expect((await w.as.analyst.post(`/api/findings/${f.id}/remediation/verdict`, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect(await remediationSnapshot(app)).toBe(before);

    const v1 = await w.as.analyst.post(`/api/findings/${f.id}/remediation/verdict`, {
      verdict: 'not_fixed',
      notes: 'Still exploitable with a double extension.',
    });
    expect(v1.status, v1.text).toBe(200);
    expect(v1.body.remediation.status).toBe('not_fixed');
    // The client's Managers and the submitter are told.
    for (const m of [w.managerA, w.manager2A]) expect((await notificationsOf(app, m.id)).map((n) => n.link)).toEqual([`/portal/findings/${f.id}`]);
    expect(await notificationsOf(app, w.viewerA.id)).toEqual([]);

    expect((await w.as.manager2A.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'Extension allowlist added.' })).status).toBe(200);
    expect((await w.as.admin.post(`/api/findings/${f.id}/remediation/verdict`, { verdict: 'partially_fixed', notes: 'SVG still accepted.' })).status).toBe(200);
    expect((await w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'SVG blocked too.' })).status).toBe(200);
    const last = await w.as.analyst.post(`/api/findings/${f.id}/remediation/verdict`, { verdict: 'verified_fixed' });
    expect(last.status, last.text).toBe(200);
    expect(await status(f.id)).toBe('verified_fixed');

    for (const agent of [w.as.analyst, w.as.viewerA]) {
      const t = await agent.get(`/api/findings/${f.id}/remediation`);
      expect(t.status).toBe(200);
      const r = t.body.remediation;
      expect(r.rounds.map((x: any) => [x.roundNo, x.verdict, x.submittedBy.name.split(' ')[0]])).toEqual([
        [1, 'not_fixed', 'Mia'],
        [2, 'partially_fixed', 'Max'],
        [3, 'verified_fixed', 'Mia'],
      ]);
      expect(r.rounds[0]).toMatchObject({ submitNotes: 'Patched the upload handler.', verdictNotes: 'Still exploitable with a double extension.' });
      expect(r.history.map((h: any) => h.to)).toEqual([
        'open',
        'pending_verification',
        'not_fixed',
        'pending_verification',
        'partially_fixed',
        'pending_verification',
        'verified_fixed',
      ]);
      expect(JSON.stringify(t.body)).not.toContain('INTERNAL-CANARY');
    }
    // The portal's finding page and the dashboard's progress count the verified fix.
    const dash = await w.as.viewerA.get('/api/portal/dashboard');
    expect(dash.body.progress.find((p: any) => p.projectId === w.project.id).resolved).toBeGreaterThanOrEqual(1);
    const audit = await app.db.selectFrom('audit_events').select('action').where('target_id', '=', f.id).execute();
    expect(audit.filter((a) => a.action === 'remediation.submitted')).toHaveLength(3);
    expect(audit.filter((a) => a.action === 'remediation.verdict_given')).toHaveLength(3);
  });

  it('keeps rounds as records: no route changes them, and the triggers refuse SQL updates and deletes', async () => {
    const f = await publishedFinding(app, w.project);
    await w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'Fixed.' });
    await w.as.analyst.post(`/api/findings/${f.id}/remediation/verdict`, { verdict: 'verified_fixed' });
    const [round] = await rounds(f.id);
    const before = await remediationSnapshot(app);
    // A second verdict on a judged round, and every method on the round paths, change nothing.
    expect((await w.as.analyst.post(`/api/findings/${f.id}/remediation/verdict`, { verdict: 'not_fixed', notes: 'changed my mind' })).status).toBe(409);
    for (const agent of [w.as.admin, w.as.managerA]) {
      for (const path of [
        `/api/findings/${f.id}/remediation`,
        `/api/remediation/rounds/${round!.id}`,
        `/api/findings/${f.id}/remediation/rounds/${round!.id}`,
      ]) {
        expect((await agent.patch(path, { verdictNotes: 'x' })).status).toBe(404);
        expect((await agent.put(path, { verdictNotes: 'x' })).status).toBe(404);
        expect((await agent.delete(path)).status).toBe(404);
      }
    }
    expect(await remediationSnapshot(app)).toBe(before);

    await expect(sql`update remediation_rounds set verdict_notes = 'rewritten' where id = ${round!.id}`.execute(app.db)).rejects.toThrow(/cannot be changed/);
    await expect(sql`update remediation_rounds set submit_notes = 'rewritten' where id = ${round!.id}`.execute(app.db)).rejects.toThrow(/cannot be changed/);
    await expect(sql`delete from remediation_rounds where id = ${round!.id}`.execute(app.db)).rejects.toThrow(/cannot be deleted/);
    // A waiting round's submission is frozen too (only its verdict can be written, once).
    const g = await publishedFinding(app, w.project);
    await w.as.managerA.post(`/api/findings/${g.id}/remediation/submit`, { notes: 'Fixed.' });
    const [open] = await rounds(g.id);
    await expect(sql`update remediation_rounds set submit_notes = 'x' where id = ${open!.id}`.execute(app.db)).rejects.toThrow(/cannot be changed/);
    expect(await remediationSnapshot(app)).not.toBe(before);
  });
});

describe('evidence files of a round', () => {
  it('the Manager and the analyst attach their own files; both sides download them; nobody else can', async () => {
    const f = await publishedFinding(app, w.project);
    const png = await smallPng();
    // Upload: anonymous 401, other client 404, Viewer/Collaborator 403, not an allowed type 415.
    expect((await uploadRemediationFile(app, null, f.id, png, 'fix.png')).status).toBe(401);
    expect((await uploadRemediationFile(app, w.as.managerB, f.id, png, 'fix.png')).status).toBe(404);
    for (const a of [w.as.viewerA, w.as.collaboratorA]) expect((await uploadRemediationFile(app, a, f.id, png, 'fix.png')).status).toBe(403);
    expect(
      (
        await uploadRemediationFile(
          app,
          w.as.managerA,
          f.id,
          Buffer.from([0x4d, 0x5a, 0x90, 0, 3, 0, 0, 0, 0xff, 0xfe]),
          'tool.exe',
          'application/octet-stream',
        )
      ).status,
    ).toBe(415);

    const mine = await uploadRemediationFile(app, w.as.managerA, f.id, png, 'after-fix.png');
    expect(mine.status, mine.text).toBe(201);
    const theirs = await uploadRemediationFile(app, w.as.manager2A, f.id, png, 'other.png');
    // Someone else's pending file can't be attached.
    const before = await remediationSnapshot(app);
    expect((await w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'Fixed.', attachmentIds: [theirs.body.attachment.id] })).status).toBe(
      400,
    );
    expect(await remediationSnapshot(app)).toBe(before);
    const sub = await w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, {
      notes: 'Fixed, screenshot attached.',
      attachmentIds: [mine.body.attachment.id],
    });
    expect(sub.status, sub.text).toBe(200);
    expect(sub.body.remediation.rounds[0].submitAttachments.map((a: any) => a.name)).toEqual(['after-fix.png']);

    const proof = await uploadRemediationFile(app, w.as.analyst, f.id, png, 'retest.png');
    expect(proof.status).toBe(201);
    const v = await w.as.analyst.post(`/api/findings/${f.id}/remediation/verdict`, {
      verdict: 'not_fixed',
      notes: 'See screenshot.',
      attachmentIds: [proof.body.attachment.id],
    });
    expect(v.status, v.text).toBe(200);
    const round = v.body.remediation.rounds[0];
    expect(round.verdictAttachments.map((a: any) => a.name)).toEqual(['retest.png']);
    // A used file can't be attached again.
    expect((await w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'Again.', attachmentIds: [mine.body.attachment.id] })).status).toBe(
      400,
    );

    for (const url of [round.submitAttachments[0].url, round.verdictAttachments[0].url]) {
      expect((await getBytes(app, w.as.viewerA, url)).status).toBe(200);
      expect((await getBytes(app, w.as.admin, url)).status).toBe(200);
      expect((await getBytes(app, w.as.managerB, url)).status).toBe(404);
      expect((await getBytes(app, null, url)).status).toBe(401);
    }
  });
});

describe('who may do what (every route)', () => {
  it('submit: anonymous 401, other client 404, Viewer/Collaborator/staff 403, invalid 400; nothing changes', async () => {
    const f = await publishedFinding(app, w.project);
    const draft = await buildFinding(app.db, { project_id: w.project.id });
    const url = `/api/findings/${f.id}/remediation/submit`;
    const body = { notes: 'Fixed it.' };
    const before = await remediationSnapshot(app);
    expect((await new Agent(app.url).post(url, body)).status).toBe(401);
    expect((await w.as.managerB.post(url, body)).status).toBe(404);
    expect((await w.as.managerA.post(`/api/findings/${draft.id}/remediation/submit`, body)).status).toBe(404);
    expect((await w.as.managerA.post(`/api/findings/${randomUUID()}/remediation/submit`, body)).status).toBe(404);
    for (const a of [w.as.viewerA, w.as.collaboratorA, w.as.analyst, w.as.admin]) expect((await a.post(url, body)).status).toBe(403);
    for (const bad of [
      {},
      { notes: '' },
      { notes: '  ' },
      { notes: 'x'.repeat(5001) },
      { notes: 'ok', attachmentIds: ['nope'] },
      { notes: 'ok', status: 'verified_fixed' },
    ]) {
      expect((await w.as.managerA.post(url, bad)).status, JSON.stringify(bad)).toBe(400);
    }
    // A file id that is not the submitter's own pending upload.
    expect((await w.as.managerA.post(url, { notes: 'ok', attachmentIds: [randomUUID()] })).status).toBe(400);
    expect(await remediationSnapshot(app)).toBe(before);
  });

  it('verdict: anonymous 401, other client 404, every portal role 403, not pending 409, invalid 400', async () => {
    const f = await publishedFinding(app, w.project);
    const url = `/api/findings/${f.id}/remediation/verdict`;
    const body = { verdict: 'verified_fixed' };
    const before = await remediationSnapshot(app);
    expect((await new Agent(app.url).post(url, body)).status).toBe(401);
    expect((await w.as.managerB.post(url, body)).status).toBe(404);
    for (const a of [w.as.viewerA, w.as.collaboratorA, w.as.managerA]) expect((await a.post(url, body)).status).toBe(403);
    const open = await w.as.analyst.post(url, body);
    expect(open.status).toBe(409);
    expect(open.body.error.message).toMatch(/This finding is Open.*Allowed from Open: Pending verification, Risk accepted, Closed/);
    expect((await w.as.analyst.post(url, { verdict: 'risk_accepted' })).status).toBe(400);
    expect(await remediationSnapshot(app)).toBe(before);
  });

  it('timeline: anonymous 401, other client 404, drafts 404 to the client, every role of the client reads it', async () => {
    const f = await publishedFinding(app, w.project);
    const draft = await buildFinding(app.db, { project_id: w.project.id });
    expect((await new Agent(app.url).get(`/api/findings/${f.id}/remediation`)).status).toBe(401);
    expect((await w.as.managerB.get(`/api/findings/${f.id}/remediation`)).status).toBe(404);
    expect((await w.as.viewerA.get(`/api/findings/${draft.id}/remediation`)).status).toBe(404);
    expect((await w.as.analyst.get(`/api/findings/${draft.id}/remediation`)).status).toBe(200);
    for (const a of [w.as.viewerA, w.as.collaboratorA, w.as.managerA]) {
      const r = await a.get(`/api/findings/${f.id}/remediation`);
      expect(r.status).toBe(200);
      expect(r.body.remediation.can.submit).toBe(a === w.as.managerA);
    }
    expect((await w.as.analyst.get(`/api/findings/${f.id}/remediation`)).body.remediation.can.statuses).toEqual([
      'pending_verification',
      'risk_accepted',
      'closed',
    ]);
    // The Findings module switched off: the client's users are refused.
    await app.db
      .updateTable('clients')
      .set({ modules: JSON.stringify({ findings: false }) })
      .where('id', '=', w.clientA.id)
      .execute();
    expect((await w.as.viewerA.get(`/api/findings/${f.id}/remediation`)).status).toBe(403);
    await app.db.updateTable('clients').set({ modules: '{}' }).where('id', '=', w.clientA.id).execute();
  });

  it('the staff status change follows the table: refused moves name the status and what is allowed; Closed is staff-only', async () => {
    const f = await publishedFinding(app, w.project);
    const before = await remediationSnapshot(app);
    const bad = await w.as.analyst.post(`/api/findings/${f.id}/status`, { status: 'verified_fixed', note: 'looks fine' });
    expect(bad.status).toBe(409);
    expect(bad.body.error.message).toBe(
      "This finding is Open: it can't become Verified fixed from there. Allowed from Open: Pending verification, Risk accepted, Closed.",
    );
    // Recording a submission the client made another way needs its notes.
    expect((await w.as.analyst.post(`/api/findings/${f.id}/status`, { status: 'pending_verification', note: '' })).status).toBe(400);
    expect((await w.as.managerA.post(`/api/findings/${f.id}/status`, { status: 'closed', note: '' })).status).toBe(403);
    expect(await remediationSnapshot(app)).toBe(before);

    expect((await w.as.analyst.post(`/api/findings/${f.id}/status`, { status: 'pending_verification', note: 'Client emailed: fixed.' })).status).toBe(200);
    expect((await rounds(f.id)).map((r) => [r.submitted_by, r.submit_notes])).toEqual([[w.analyst.id, 'Client emailed: fixed.']]);
    const closing = await w.as.analyst.post(`/api/findings/${f.id}/status`, { status: 'closed', note: 'done' });
    expect(closing.status).toBe(409);
    expect(closing.body.error.message).toContain('Allowed from Pending verification: Verified fixed, Not fixed, Partially fixed');
    // While the round is open, Change status gives no verdict (the verdict route names the round).
    const asStatus = await w.as.analyst.post(`/api/findings/${f.id}/status`, { status: 'verified_fixed', note: '' });
    expect(asStatus.status).toBe(409);
    expect(asStatus.body.error.message).toMatch(/^Round 1 is open and waits for its verdict/);
    expect((await w.as.analyst.post(`/api/findings/${f.id}/remediation/verdict`, { verdict: 'partially_fixed', notes: '' })).status).toBe(400);
    expect((await w.as.analyst.post(`/api/findings/${f.id}/remediation/verdict`, { verdict: 'verified_fixed' })).status).toBe(200);
    expect((await rounds(f.id))[0]!.verdict).toBe('verified_fixed');
    expect((await w.as.admin.post(`/api/findings/${f.id}/status`, { status: 'closed', note: 'Archived.' })).status).toBe(200);
    const reopen = await w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'x' });
    expect(reopen.status).toBe(409);
    expect(reopen.body.error.message).toMatch(/This finding is Closed.*no change/);
  });
});

describe('due dates and the pause (injectable clock)', () => {
  it("the staff dashboard counts published findings of clients that are not archived, and drops a client's on archiving", async () => {
    const count = async () => (await w.as.analyst.get('/api/remediation/summary')).body.summary;
    const before = await count();
    const client = await buildClient(app.db);
    const project = await buildProject(app.db, { client_id: client.id });
    await publishedFinding(app, project, { severity: 'high' });
    await publishedFinding(app, project, { severity: 'low' });
    await buildFinding(app.db, { project_id: project.id, severity: 'high', published: false });
    expect((await count()).openWithDeadline).toBe(before.openWithDeadline + 2);
    await app.db.updateTable('clients').set({ archived_at: app.clock() }).where('id', '=', client.id).execute();
    expect(await count()).toEqual(before);
  });

  it('due = published + target; overdue past it; paused while pending; counted on both dashboards', async () => {
    const f = await publishedFinding(app, w.project, { severity: 'high' });
    const info = await publishedFinding(app, w.project, { severity: 'informational' });
    const t0 = f.published_at!;
    const due = async (agent = w.as.analyst) => (await agent.get(`/api/findings/${f.id}/remediation`)).body.remediation;
    expect((await due()).dueAt).toBe(new Date(t0 + 30 * DAY).toISOString());
    expect((await w.as.analyst.get(`/api/findings/${f.id}`)).body.finding).toMatchObject({ dueAt: new Date(t0 + 30 * DAY).toISOString(), overdue: false });
    expect((await w.as.viewerA.get(`/api/portal/findings/${f.id}`)).body.finding).toMatchObject({
      dueAt: new Date(t0 + 30 * DAY).toISOString(),
      overdue: false,
    });
    expect((await due()).overdue).toBe(false);
    expect((await w.as.analyst.get(`/api/findings/${info.id}/remediation`)).body.remediation).toMatchObject({ dueAt: null, overdue: false, targetDays: null });
    const overdueBefore = (await w.as.viewerA.get('/api/remediation/summary')).body.summary.overdue;

    app.clock.advance(31 * DAY);
    await w.refresh();
    expect(await due()).toMatchObject({ overdue: true, paused: false });
    expect((await w.as.viewerA.get(`/api/portal/findings/${f.id}`)).body.finding.overdue).toBe(true);
    const portalSum = (await w.as.viewerA.get('/api/remediation/summary')).body.summary;
    expect(portalSum.overdue).toBeGreaterThan(overdueBefore);
    expect(portalSum.overdueFindings.map((o: any) => o.findingId)).toContain(f.id);
    const staffSum = (await w.as.analyst.get('/api/remediation/summary')).body.summary;
    expect(staffSum.overdueFindings.find((o: any) => o.findingId === f.id)).toMatchObject({ clientName: w.clientA.name });
    expect((await w.as.managerB.get('/api/remediation/summary')).body.summary.overdueFindings.map((o: any) => o.findingId)).not.toContain(f.id);

    // Submitted: the clock stops (not overdue while waiting); ten days pass; Not fixed adds them.
    // (The test clock also runs in real time, so paused spans are compared to the second.)
    const near = (iso: string, ms: number) => expect(Math.abs(Date.parse(iso) - ms)).toBeLessThan(5000);
    await w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'Fixed.' });
    expect(await due()).toMatchObject({ paused: true, overdue: false });
    near((await due()).dueAt, t0 + 30 * DAY);
    app.clock.advance(10 * DAY);
    await w.refresh();
    near((await due()).dueAt, t0 + 40 * DAY);
    await w.as.analyst.post(`/api/findings/${f.id}/remediation/verdict`, { verdict: 'not_fixed', notes: 'No.' });
    const judged = await due();
    expect(judged).toMatchObject({ paused: false, overdue: true });
    near(judged.dueAt, t0 + 40 * DAY);
    app.clock.advance(5 * DAY);
    await w.refresh();
    // Running again: the date no longer moves.
    expect((await due()).dueAt).toBe(judged.dueAt);
    const row = await app.db.selectFrom('findings').select(['due_paused_ms', 'due_paused_at']).where('id', '=', f.id).executeTakeFirstOrThrow();
    expect(row.due_paused_at).toBeNull();
    expect(Math.abs(row.due_paused_ms - 10 * DAY)).toBeLessThan(5000);
  });

  it('targets: staff read them, only admins change them (due dates follow), invalid input changes nothing', async () => {
    const f = await publishedFinding(app, w.project, { severity: 'critical' });
    expect((await new Agent(app.url).get('/api/firm/remediation-targets')).status).toBe(401);
    expect((await w.as.managerA.get('/api/firm/remediation-targets')).status).toBe(403);
    expect((await w.as.analyst.get('/api/firm/remediation-targets')).body.targets).toEqual({ critical: 7, high: 30, medium: 90, low: 180 });
    const body = { critical: 3, high: 14, medium: 60, low: 120 };
    expect((await w.as.analyst.put('/api/firm/remediation-targets', body)).status).toBe(403);
    expect((await w.as.managerA.put('/api/firm/remediation-targets', body)).status).toBe(403);
    const before = await remediationSnapshot(app);
    for (const bad of [{ ...body, critical: 0 }, { ...body, high: 1.5 }, { ...body, low: '7' }, { critical: 3 }, { ...body, informational: 9 }]) {
      expect((await w.as.admin.put('/api/firm/remediation-targets', bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect(await remediationSnapshot(app)).toBe(before);
    expect((await w.as.admin.put('/api/firm/remediation-targets', body)).body.targets).toEqual(body);
    expect((await w.as.viewerA.get(`/api/findings/${f.id}/remediation`)).body.remediation.dueAt).toBe(new Date(f.published_at! + 3 * DAY).toISOString());
    await w.as.admin.put('/api/firm/remediation-targets', { critical: 7, high: 30, medium: 90, low: 180 });
  });
});

describe('the verification queue', () => {
  it('lists every pending finding across clients, oldest submission first; staff only', async () => {
    const projectB =
      (await app.db.selectFrom('projects').selectAll().where('client_id', '=', w.clientB.id).executeTakeFirst()) ??
      (await (await import('../support/workspace.js')).buildProject(app.db, { client_id: w.clientB.id }));
    const a = await publishedFinding(app, w.project, { title: 'Queue A' });
    const b = await publishedFinding(app, projectB, { title: 'Queue B' });
    await w.as.managerB.post(`/api/findings/${b.id}/remediation/submit`, { notes: 'B fixed.' });
    app.clock.advance(1000);
    await w.as.managerA.post(`/api/findings/${a.id}/remediation/submit`, { notes: 'A fixed.' });
    const q = await w.as.analyst.get('/api/remediation/queue');
    expect(q.status).toBe(200);
    const ids = q.body.queue.map((x: any) => x.findingId);
    expect(ids.indexOf(b.id)).toBeLessThan(ids.indexOf(a.id));
    expect(q.body.queue.find((x: any) => x.findingId === a.id)).toMatchObject({ clientName: w.clientA.name, submitNotes: 'A fixed.', roundNo: 1 });
    const times = q.body.queue.map((x: any) => x.submittedAt);
    expect([...times].sort()).toEqual(times);
    expect((await new Agent(app.url).get('/api/remediation/queue')).status).toBe(401);
    for (const p of [w.as.managerA, w.as.viewerA, w.as.managerB]) expect((await p.get('/api/remediation/queue')).status).toBe(403);
    expect((await new Agent(app.url).get('/api/remediation/summary')).status).toBe(401);
  });
});

describe('retest requests', () => {
  it('a Manager asks for a retest of several findings; staff are told; rounds are linked; staff move it requested → scheduled → done', async () => {
    const open = await publishedFinding(app, w.project, { title: 'Retest open' });
    const waiting = await publishedFinding(app, w.project, { title: 'Retest waiting' });
    await w.as.managerA.post(`/api/findings/${waiting.id}/remediation/submit`, { notes: 'Fixed earlier.' });
    const before = (await notificationsOf(app, w.analyst.id)).length;
    const res = await w.as.managerA.post('/api/retests', { findingIds: [open.id, waiting.id], message: 'Both patched in release 4.2.' });
    expect(res.status, res.text).toBe(201);
    const id = res.body.retest.id;
    expect(res.body.retest).toMatchObject({ status: 'requested', message: 'Both patched in release 4.2.' });
    expect(res.body.retest.roundIds).toHaveLength(2);
    expect(await status(open.id)).toBe('pending_verification');
    expect((await rounds(open.id))[0]).toMatchObject({ retest_request_id: id, submit_notes: 'Both patched in release 4.2.' });
    expect((await rounds(waiting.id))[0]!.retest_request_id).toBe(id);
    const told = (await notificationsOf(app, w.analyst.id)).slice(before);
    expect(told.map((n) => [n.kind, n.link])).toEqual([['retest', '/staff/verification']]);

    // The retest shows on the finding's timeline (both sides) and in the lists.
    expect((await w.as.viewerA.get(`/api/findings/${open.id}/remediation`)).body.remediation.retests.map((r: any) => r.id)).toEqual([id]);
    expect((await w.as.viewerA.get('/api/retests')).body.retests.map((r: any) => r.id)).toContain(id);
    expect((await w.as.managerB.get('/api/retests')).body.retests.map((r: any) => r.id)).not.toContain(id);
    expect((await w.as.analyst.get('/api/retests')).body.retests.find((r: any) => r.id === id)).toMatchObject({ clientName: w.clientA.name });

    // Moving it along: staff only; out-of-order moves refused with what is allowed.
    const snap = await remediationSnapshot(app);
    expect((await new Agent(app.url).patch(`/api/retests/${id}`, { status: 'scheduled' })).status).toBe(401);
    for (const a of [w.as.managerA, w.as.viewerA]) expect((await a.patch(`/api/retests/${id}`, { status: 'scheduled' })).status).toBe(403);
    expect((await w.as.managerB.patch(`/api/retests/${id}`, { status: 'scheduled' })).status).toBe(404);
    expect((await w.as.analyst.patch(`/api/retests/${randomUUID()}`, { status: 'scheduled' })).status).toBe(404);
    for (const bad of [{ status: 'later' }, { status: 'scheduled', scheduledFor: '31/12/2026' }, {}])
      expect((await w.as.analyst.patch(`/api/retests/${id}`, bad)).status).toBe(400);
    expect(await remediationSnapshot(app)).toBe(snap);
    const sched = await w.as.analyst.patch(`/api/retests/${id}`, { status: 'scheduled', scheduledFor: '2026-12-01' });
    expect(sched.body.retest).toMatchObject({ status: 'scheduled', scheduledFor: '2026-12-01' });
    expect((await notificationsOf(app, w.managerA.id)).at(-1)).toMatchObject({ kind: 'retest', text: 'Your retest request is scheduled for 2026-12-01.' });
    expect((await w.as.analyst.patch(`/api/retests/${id}`, { status: 'done' })).body.retest.status).toBe('done');
    const back = await w.as.analyst.patch(`/api/retests/${id}`, { status: 'scheduled' });
    expect(back.status).toBe(409);
    expect(back.body.error.message).toContain('done');
  });

  it('refuses: anonymous, staff and Viewers/Collaborators, another client’s or a draft finding, a resolved finding, bad input', async () => {
    const f = await publishedFinding(app, w.project);
    const fixed = await publishedFinding(app, w.project, { status: 'verified_fixed', title: 'Already fixed' });
    const draft = await buildFinding(app.db, { project_id: w.project.id });
    const body = { findingIds: [f.id], message: 'Please retest.' };
    const before = await remediationSnapshot(app);
    expect((await new Agent(app.url).post('/api/retests', body)).status).toBe(401);
    for (const a of [w.as.viewerA, w.as.collaboratorA, w.as.analyst, w.as.admin]) expect((await a.post('/api/retests', body)).status).toBe(403);
    expect((await w.as.managerB.post('/api/retests', body)).status).toBe(404);
    expect((await w.as.managerA.post('/api/retests', { ...body, findingIds: [f.id, draft.id] })).status).toBe(404);
    const resolved = await w.as.managerA.post('/api/retests', { ...body, findingIds: [f.id, fixed.id] });
    expect(resolved.status).toBe(409);
    expect(resolved.body.error.message).toContain('“Already fixed” is Verified fixed');
    for (const bad of [
      { findingIds: [], message: 'x' },
      { findingIds: [f.id], message: '' },
      { findingIds: [f.id, f.id], message: 'x' },
      { findingIds: ['x'], message: 'x' },
      { message: 'x' },
    ]) {
      expect((await w.as.managerA.post('/api/retests', bad)).status, JSON.stringify(bad)).toBe(400);
    }
    expect(await remediationSnapshot(app)).toBe(before);
    expect((await new Agent(app.url).get('/api/retests')).status).toBe(401);
  });
});
