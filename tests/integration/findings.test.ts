import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildEvidenceRow, buildFinding, buildProject, workspaceSnapshot } from '../support/workspace.js';
import type { ClientRow, FindingRow, ProjectRow, UserRow } from '../../db/schema.js';

let app: TestApp;
let admin: Agent;
let analyst: Agent;
let analystUser: UserRow;
let portalA: Agent;
let portalB: Agent;
let clientA: ClientRow;
let projectA: ProjectRow;
let draftA: FindingRow;
let publishedA: FindingRow;

beforeAll(async () => {
  app = await startTestApp();
  admin = await signIn(app, await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' }));
  analystUser = await buildStaff(app.db, { name: 'Sam Analyst' });
  analyst = await signIn(app, analystUser);
  clientA = await buildClient(app.db, { name: 'Contoso' });
  const clientB = await buildClient(app.db, { name: 'Globex' });
  portalA = await signIn(app, await buildPortalUser(app.db, { client_id: clientA.id, role: 'manager' }));
  portalB = await signIn(app, await buildPortalUser(app.db, { client_id: clientB.id, role: 'manager' }));
  projectA = await buildProject(app.db, { client_id: clientA.id, name: 'Contoso external test' });
  draftA = await buildFinding(app.db, { project_id: projectA.id, title: 'Draft SQL injection', internal_notes: 'INTERNAL-MARKER' });
  publishedA = await buildFinding(app.db, { project_id: projectA.id, title: 'Published XSS', published: true });
});
afterAll(async () => app?.close());

const snap = () => workspaceSnapshot(app.db);
const row = (id: string) => app.db.selectFrom('findings').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const audits = (action: string, targetId: string) =>
  app.db.selectFrom('audit_events').selectAll().where('action', '=', action).where('target_id', '=', targetId).orderBy('id').execute();

const routes = (projectId: string, findingId: string) =>
  [
    ['GET', `/api/projects/${projectId}/findings`, undefined],
    ['POST', `/api/projects/${projectId}/findings`, { title: 'Sneaky', severity: 'low' }],
    ['GET', `/api/findings/${findingId}`, undefined],
    ['PATCH', `/api/findings/${findingId}`, { title: 'Changed', version: 1 }],
    ['POST', `/api/findings/${findingId}/publish`, { confirm: true }],
    ['POST', `/api/findings/${findingId}/unpublish`, {}],
    ['POST', `/api/findings/${findingId}/status`, { status: 'closed', note: '' }],
    ['DELETE', `/api/findings/${findingId}`, undefined],
  ] as const;

describe('who may see and manage findings', () => {
  it('anonymous → 401 everywhere; nothing changes', async () => {
    const before = await snap();
    for (const [m, p, b] of routes(projectA.id, draftA.id)) expect((await new Agent(app.url).request(m, p, b)).status, `${m} ${p}`).toBe(401);
    expect(await snap()).toBe(before);
  });

  it('portal users get 404 for staff reads, drafts and another client’s findings, 403 for changing their own published ones; nothing leaks', async () => {
    const before = await snap();
    for (const agent of [portalA, portalB]) {
      for (const f of [draftA, publishedA]) {
        for (const [m, p, b] of routes(projectA.id, f.id)) {
          const res = await agent.request(m, p, b);
          // What client A's people can see in their portal (the project, a published finding) they may not change: 403.
          const ownVisibleWrite = agent === portalA && m !== 'GET' && (p.startsWith(`/api/projects/`) || f === publishedA);
          expect(res.status, `${m} ${p}`).toBe(ownVisibleWrite ? 403 : 404);
          expect(res.text).not.toContain('INTERNAL-MARKER');
          expect(res.text).not.toContain('SQL injection');
        }
      }
    }
    expect(await snap()).toBe(before);
  });

  it('staff get 404 for made-up ids', async () => {
    for (const [m, p, b] of routes(randomUUID(), randomUUID())) expect((await analyst.request(m, p, b)).status, `${m} ${p}`).toBe(404);
  });
});

describe('creating and reading findings', () => {
  it('creates a draft with CVSS 3.1 scored on the server; client id copied from the project; audited', async () => {
    const res = await analyst.post(`/api/projects/${projectA.id}/findings`, {
      title: ' Remote code execution ',
      severity: 'critical',
      cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      description: 'The **upload** endpoint',
      references: ['https://owasp.org/x'],
      affectedAssets: ['api.contoso.test'],
      internalNotes: 'retest Friday',
    });
    expect(res.status).toBe(201);
    const f = res.body.finding;
    expect(f).toMatchObject({
      title: 'Remote code execution',
      severity: 'critical',
      status: 'open',
      published: false,
      publishedAt: null,
      version: 1,
      cvssVersion: '3.1',
      cvssScore: 9.8,
      cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      clientId: clientA.id,
      projectId: projectA.id,
      projectName: 'Contoso external test',
      references: ['https://owasp.org/x'],
      affectedAssets: ['api.contoso.test'],
      internalNotes: 'retest Friday',
      statusHistory: [],
      evidence: [],
      createdBy: analystUser.id,
    });
    expect(f.descriptionHtml).toContain('<strong>upload</strong>');
    expect((await row(f.id)).client_id).toBe(clientA.id);
    expect(await audits('finding.created', f.id)).toHaveLength(1);
  });

  it('scores a CVSS 4.0 vector', async () => {
    const res = await analyst.post(`/api/projects/${projectA.id}/findings`, {
      title: 'v4',
      severity: 'high',
      cvssVector: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N',
    });
    expect(res.status).toBe(201);
    expect(res.body.finding).toMatchObject({ cvssVersion: '4.0', cvssScore: 9.3 });
  });

  it('refuses invalid vectors with the library’s message on cvssVector, and a score sent by the client', async () => {
    const before = await snap();
    for (const cvssVector of [
      'CVSS:3.1/AV:N/AC:L',
      'CVSS:2.0/AV:N',
      'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H/AV:L',
      'CVSS:3.1/AV:Q/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      'rm -rf',
    ]) {
      const res = await analyst.post(`/api/projects/${projectA.id}/findings`, { title: 'Bad', severity: 'low', cvssVector });
      expect(res.status, cvssVector).toBe(400);
      expect(res.body.error.details[0].path).toBe('cvssVector');
      expect(res.body.error.details[0].message.length).toBeGreaterThan(5);
      expect((await analyst.patch(`/api/findings/${draftA.id}`, { cvssVector, version: draftA.version })).status).toBe(400);
    }
    const score = await analyst.post(`/api/projects/${projectA.id}/findings`, {
      title: 'Bad',
      severity: 'low',
      cvssVector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      cvssScore: 1.0,
    });
    expect(score.status).toBe(400);
    expect((await analyst.patch(`/api/findings/${draftA.id}`, { cvssScore: 10, version: draftA.version })).status).toBe(400);
    expect(await snap()).toBe(before);
  });

  it('refuses other invalid input (strict schema) and changes nothing', async () => {
    const before = await snap();
    for (const body of [
      {},
      { title: 'x' },
      { title: '', severity: 'low' },
      { title: 'x', severity: 'urgent' },
      { title: 'x', severity: 'low', references: ['javascript:alert(1)'] },
      { title: 'x', severity: 'low', references: 'https://a.test' },
      { title: 'x', severity: 'low', published: true },
      { title: 'x', severity: 'low', status: 'closed' },
      { title: 'x', severity: 'low', clientId: clientA.id },
      { title: 'x', severity: 'low', version: 3 },
      { title: 'x'.repeat(301), severity: 'low' },
    ]) {
      expect((await analyst.post(`/api/projects/${projectA.id}/findings`, body)).status, JSON.stringify(body)).toBe(400);
    }
    for (const body of [
      { title: 'no version' },
      { title: 'x', version: 0 },
      { title: 'x', version: '1' },
      { published: true, version: 1 },
      { status: 'closed', version: 1 },
      { projectId: randomUUID(), version: 1 },
    ]) {
      expect((await analyst.patch(`/api/findings/${draftA.id}`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect(await snap()).toBe(before);
  });

  it('sanitises markdown: a javascript: link and a <script> never come back', async () => {
    const md = 'Click [here](javascript:alert(1)) and <script>alert(2)</script> <img src=x onerror=alert(3)> [ok](https://example.com)';
    const res = await analyst.post(`/api/projects/${projectA.id}/findings`, {
      title: 'Markdown',
      severity: 'low',
      description: md,
      impact: md,
      remediation: md,
      technicalDetails: md,
    });
    expect(res.status).toBe(201);
    const got = (await analyst.get(`/api/findings/${res.body.finding.id}`)).body.finding;
    for (const key of ['descriptionHtml', 'impactHtml', 'remediationHtml', 'technicalDetailsHtml']) {
      expect(got[key]).not.toMatch(/javascript:/i);
      expect(got[key]).not.toMatch(/<script/i);
      expect(got[key]).not.toMatch(/<img/i);
      expect(got[key]).toContain('href="https://example.com"');
    }
    expect(got.description).toBe(md);
  });

  it('lists every finding of a project for staff, drafts included, as summary rows (the text is on the finding page)', async () => {
    const res = await admin.get(`/api/projects/${projectA.id}/findings`);
    expect(res.status).toBe(200);
    expect(res.body.next).toBeNull();
    const byTitle = new Map<string, Record<string, unknown>>(res.body.findings.map((f: { title: string }) => [f.title, f]));
    expect(byTitle.get('Draft SQL injection')).toMatchObject({ published: false, publishedAt: null });
    expect(byTitle.get('Published XSS')).toMatchObject({ published: true });
    for (const row of byTitle.values())
      expect(Object.keys(row).sort()).toEqual(
        ['cvssScore', 'dueAt', 'duePaused', 'id', 'overdue', 'projectId', 'published', 'publishedAt', 'severity', 'status', 'title', 'updatedAt'].sort(),
      );
    expect(res.text).not.toContain('INTERNAL-MARKER');
  });

  it('GET /findings/:id includes evidence rows and status history', async () => {
    const f = await buildFinding(app.db, { project_id: projectA.id, published: true });
    const e = await buildEvidenceRow(app.db, f.id, { caption: 'Burp screenshot' });
    const res = await analyst.get(`/api/findings/${f.id}`);
    expect(res.status).toBe(200);
    expect(res.body.finding.evidence).toEqual([expect.objectContaining({ id: e.id, caption: 'Burp screenshot', originalName: 'evidence.txt' })]);
    expect(res.body.finding.statusHistory).toEqual([expect.objectContaining({ from: null, to: 'open' })]);
  });
});

describe('editing with optimistic concurrency', () => {
  it('two editors of the same version: the first is saved, the second gets 409 with the current version and nothing is written', async () => {
    const f = await buildFinding(app.db, { project_id: projectA.id, description: 'original' });
    const first = await analyst.patch(`/api/findings/${f.id}`, {
      description: 'first editor',
      cvssVector: 'CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N',
      version: 1,
    });
    expect(first.status).toBe(200);
    expect(first.body.finding).toMatchObject({ description: 'first editor', version: 2, cvssScore: 3.7 });
    const before = await snap();
    const second = await admin.patch(`/api/findings/${f.id}`, { description: 'second editor', version: 1 });
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ code: 'conflict', details: { currentVersion: 2 } });
    expect(second.body.error.message).toMatch(/colleague/i);
    expect(await snap()).toBe(before);
    expect((await row(f.id)).description).toBe('first editor');
    // With the current version the second editor can save.
    const retry = await admin.patch(`/api/findings/${f.id}`, { description: 'second editor', version: 2 });
    expect(retry.body.finding).toMatchObject({ description: 'second editor', version: 3 });
    expect((await audits('finding.updated', f.id)).map((a) => JSON.parse(a.details!).changed)).toEqual([['description', 'cvssVector'], ['description']]);
  });

  it('a version from the future is refused too; an unchanged save writes nothing', async () => {
    const f = await buildFinding(app.db, { project_id: projectA.id, title: 'Same' });
    expect((await analyst.patch(`/api/findings/${f.id}`, { title: 'X', version: 5 })).status).toBe(409);
    const before = await snap();
    const same = await analyst.patch(`/api/findings/${f.id}`, { title: 'Same', version: 1 });
    expect(same.status).toBe(200);
    expect(same.body.finding.version).toBe(1);
    expect(await snap()).toBe(before);
  });

  it('clearing the vector clears the score', async () => {
    const f = await buildFinding(app.db, {
      project_id: projectA.id,
      cvss_vector: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H',
      cvss_version: '3.1',
      cvss_score: 9.8,
    });
    const res = await analyst.patch(`/api/findings/${f.id}`, { cvssVector: '', version: 1 });
    expect(res.body.finding).toMatchObject({ cvssVector: null, cvssScore: null, cvssVersion: null, version: 2 });
  });
});

describe('publishing, status and deleting', () => {
  it('publish sets the flag and date and starts the history once; unpublish hides it again', async () => {
    const f = await buildFinding(app.db, { project_id: projectA.id });
    const pub = await analyst.post(`/api/findings/${f.id}/publish`, { confirm: true });
    expect(pub.status).toBe(200);
    expect(pub.body.finding).toMatchObject({ published: true, version: 1 });
    expect(pub.body.finding.publishedAt).toMatch(/^\d{4}-/);
    expect(pub.body.finding.statusHistory).toEqual([expect.objectContaining({ from: null, to: 'open', actorName: 'Sam Analyst' })]);
    expect(await audits('finding.published', f.id)).toHaveLength(1);

    const un = await analyst.post(`/api/findings/${f.id}/unpublish`);
    expect(un.body.finding).toMatchObject({ published: false, publishedAt: null });
    expect(await audits('finding.unpublished', f.id)).toHaveLength(1);
    const again = await analyst.post(`/api/findings/${f.id}/publish`, { confirm: true });
    expect(again.body.finding.statusHistory).toHaveLength(1);
    // Publishing what is already published writes nothing.
    const before = await snap();
    expect((await analyst.post(`/api/findings/${f.id}/publish`, { confirm: true })).status).toBe(200);
    expect(await snap()).toBe(before);
  });

  it('a status change is written to the history with the actor and note; invalid ones change nothing', async () => {
    const f = await buildFinding(app.db, { project_id: projectA.id, published: true });
    const res = await admin.post(`/api/findings/${f.id}/status`, { status: 'pending_verification', note: 'Client says fixed' });
    expect(res.status).toBe(200);
    expect(res.body.finding.status).toBe('pending_verification');
    expect(res.body.finding.statusHistory.at(-1)).toMatchObject({
      from: 'open',
      to: 'pending_verification',
      note: 'Client says fixed',
      actorName: 'Ada Admin',
    });
    expect(await audits('finding.status_changed', f.id)).toHaveLength(1);
    const before = await snap();
    for (const body of [
      { status: 'fixed' },
      {},
      { status: 'closed', note: 'x'.repeat(2001) },
      { status: 'closed', actorId: randomUUID() },
      { status: 'pending_verification' },
    ]) {
      expect((await admin.post(`/api/findings/${f.id}/status`, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect(await snap()).toBe(before);
  });

  it('only a draft can be deleted: a published finding is 409; the draft goes with its history and evidence rows', async () => {
    const pub = await buildFinding(app.db, { project_id: projectA.id, published: true });
    const before = await snap();
    expect((await analyst.delete(`/api/findings/${pub.id}`)).status).toBe(409);
    expect(await snap()).toBe(before);

    const draft = await buildFinding(app.db, { project_id: projectA.id });
    await buildEvidenceRow(app.db, draft.id);
    await analyst.post(`/api/findings/${draft.id}/status`, { status: 'closed', note: 'duplicate' });
    expect((await analyst.delete(`/api/findings/${draft.id}`)).status).toBe(204);
    expect(await app.db.selectFrom('findings').select('id').where('id', '=', draft.id).executeTakeFirst()).toBeUndefined();
    expect(await app.db.selectFrom('evidence').select('id').where('finding_id', '=', draft.id).execute()).toEqual([]);
    expect(await app.db.selectFrom('finding_status_history').select('id').where('finding_id', '=', draft.id).execute()).toEqual([]);
    expect(await audits('finding.deleted', draft.id)).toHaveLength(1);
    expect((await analyst.get(`/api/findings/${draft.id}`)).status).toBe(404);
  });
});
