import { createServer } from 'node:http';
import { open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientRow, ProjectRow, UserRow } from '../../db/schema.js';
import { startTestApp, tempDir, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { buildProject, setClientModules } from '../support/workspace.js';
import { eventually, getBytes, sha256, storedFiles, tinyPdf, uploadReport } from '../support/evidence.js';
import { sendFileHandle } from '../../server/services/storage.js';

/** Report PDFs: upload and versioning, publishing, and the checksum-verified, audited download. */

const DAMAGED = 'The report file is damaged; your provider has been told.';
let app: TestApp;
let analyst: Agent;
let analystUser: UserRow;
let clientA: ClientRow;
let projectA: ProjectRow;
let projectB: ProjectRow;
let viewerA: Agent;
let viewerAUser: UserRow;
let managerA: Agent;
let portalB: Agent;
const pdf1 = tinyPdf('version one');
const pdf2 = tinyPdf('version two');

const reportRow = (id: string) => app.db.selectFrom('reports').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
const downloadAudits = (id: string) =>
  app.db.selectFrom('audit_events').selectAll().where('action', '=', 'report.downloaded').where('target_id', '=', id).orderBy('id').execute();

beforeAll(async () => {
  app = await startTestApp();
  analystUser = await buildStaff(app.db);
  analyst = await signIn(app, analystUser);
  clientA = await buildClient(app.db);
  projectA = await buildProject(app.db, { client_id: clientA.id, name: 'External test 2026' });
  projectB = await buildProject(app.db);
  viewerAUser = await buildPortalUser(app.db, { client_id: clientA.id, role: 'viewer' });
  viewerA = await signIn(app, viewerAUser);
  managerA = await signIn(app, await buildPortalUser(app.db, { client_id: clientA.id, role: 'manager' }));
  portalB = await signIn(app, await buildPortalUser(app.db, { client_id: projectB.client_id }));
});
afterAll(() => app.close());

describe('POST /api/projects/:id/reports', () => {
  it('stores a PDF as version 1 with its SHA-256, under a random name, with an audit row', async () => {
    const res = await uploadReport(app, analyst, projectA.id, pdf1, '  Penetration test report ', 'Acme pentest.pdf', 'text/plain');
    expect(res.status).toBe(201);
    expect(res.body.report).toMatchObject({
      title: 'Penetration test report',
      version: 1,
      size: pdf1.length,
      sha256: sha256(pdf1),
      published: false,
      damagedAt: null,
      projectName: 'External test 2026',
      originalName: 'Acme pentest.pdf',
    });
    const row = await reportRow(res.body.report.id);
    expect(row.file).toMatch(/^reports\/[0-9a-f]{32}\.pdf$/);
    expect(row.created_by).toBe(analystUser.id);
    const audit = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'report.uploaded')
      .where('target_id', '=', row.id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(audit.details!)).toMatchObject({ version: 1, sha256: sha256(pdf1), bytes: pdf1.length });
    expect(audit.client_id).toBe(clientA.id);
  });

  it('numbers versions per title and project: the same title again is version 2, a new title starts at 1', async () => {
    const v2 = await uploadReport(app, analyst, projectA.id, pdf2, 'Penetration test report', 'Acme pentest v2.pdf');
    expect(v2.body.report.version).toBe(2);
    expect(v2.body.report.sha256).toBe(sha256(pdf2));
    expect((await uploadReport(app, analyst, projectA.id, pdf1, 'Retest report')).body.report.version).toBe(1);
    expect((await uploadReport(app, analyst, projectB.id, pdf1, 'Penetration test report')).body.report.version).toBe(1);
  });

  it('refuses a text file renamed .pdf with 415 and stores nothing', async () => {
    const before = storedFiles(app, 'reports');
    const res = await uploadReport(app, analyst, projectA.id, Buffer.from('not a pdf at all'), 'Fake', 'fake.pdf', 'application/pdf');
    expect(res.status).toBe(415);
    expect(res.body.error).toMatchObject({ code: 'unsupported_media_type', message: 'Reports must be PDF files.' });
    expect(storedFiles(app, 'reports')).toEqual(before);
    expect(await app.db.selectFrom('reports').select('id').where('title', '=', 'Fake').execute()).toEqual([]);
  });

  it('refuses invalid input, anonymous, the client’s users and made-up projects, changing nothing', async () => {
    const count = async () => (await app.db.selectFrom('reports').select('id').execute()).length;
    const before = await count();
    const files = storedFiles(app, 'reports');
    expect((await uploadReport(app, analyst, projectA.id, pdf1, '')).status).toBe(400);
    expect((await uploadReport(app, analyst, projectA.id, pdf1, 'x'.repeat(201))).status).toBe(400);
    const extra = await fetch(`${app.url}/api/projects/${projectA.id}/reports?title=T&published=1`, {
      method: 'POST',
      headers: { origin: app.url, cookie: analyst.cookie! },
      body: Uint8Array.from(pdf1),
    });
    expect(extra.status).toBe(400);
    expect((await uploadReport(app, null, projectA.id, pdf1)).status).toBe(401);
    expect((await uploadReport(app, managerA, projectA.id, pdf1)).status).toBe(403);
    expect((await uploadReport(app, portalB, projectA.id, pdf1)).status).toBe(404);
    expect((await uploadReport(app, analyst, crypto.randomUUID(), pdf1)).status).toBe(404);
    expect(await count()).toBe(before);
    expect(storedFiles(app, 'reports')).toEqual(files);
  });
});

describe('GET /api/projects/:id/reports and PATCH /api/reports/:id', () => {
  it('lists every version for staff; publishing shows one to the client, with an audit row', async () => {
    const list = await analyst.get(`/api/projects/${projectA.id}/reports`);
    expect(list.status).toBe(200);
    expect(list.body.project).toEqual({ id: projectA.id, name: 'External test 2026' });
    const pentest = list.body.reports.filter((r: { title: string }) => r.title === 'Penetration test report');
    expect(pentest.map((r: { version: number }) => r.version)).toEqual([2, 1]);
    expect((await viewerA.get(`/api/projects/${projectA.id}/reports`)).body.reports).toEqual([]);

    const res = await analyst.patch(`/api/reports/${pentest[0].id}`, { published: true });
    expect(res.status).toBe(200);
    expect(res.body.report.published).toBe(true);
    expect(res.body.report.publishedAt).toMatch(/Z$/);
    const client = await viewerA.get(`/api/projects/${projectA.id}/reports`);
    expect(client.body.reports.map((r: { id: string }) => r.id)).toEqual([pentest[0].id]);
    for (const k of ['published', 'damagedAt', 'clientId', 'createdBy']) expect(client.body.reports[0]).not.toHaveProperty(k);
    expect(
      await app.db.selectFrom('audit_events').select('id').where('action', '=', 'report.updated').where('target_id', '=', pentest[0].id).execute(),
    ).toHaveLength(1);
  });

  it('refuses invalid patches and the client’s users, changing nothing', async () => {
    const [published] = (await analyst.get(`/api/projects/${projectA.id}/reports`)).body.reports.filter((r: { published: boolean }) => r.published);
    const draft = (await analyst.get(`/api/projects/${projectA.id}/reports`)).body.reports.find((r: { published: boolean }) => !r.published);
    const before = JSON.stringify(await app.db.selectFrom('reports').selectAll().orderBy('id').execute());
    for (const body of [{}, { published: 'yes' }, { published: true, title: 'x' }])
      expect((await analyst.patch(`/api/reports/${published.id}`, body)).status).toBe(400);
    expect((await managerA.patch(`/api/reports/${published.id}`, { published: false })).status).toBe(403);
    expect((await managerA.patch(`/api/reports/${draft.id}`, { published: true })).status).toBe(404);
    expect((await portalB.patch(`/api/reports/${published.id}`, { published: false })).status).toBe(404);
    expect((await new Agent(app.url).patch(`/api/reports/${published.id}`, { published: false })).status).toBe(401);
    expect(JSON.stringify(await app.db.selectFrom('reports').selectAll().orderBy('id').execute())).toBe(before);
  });

  it('answers 404 to another client and 403 module_disabled when the Reports module is off', async () => {
    expect((await portalB.get(`/api/projects/${projectA.id}/reports`)).status).toBe(404);
    await setClientModules(app.db, clientA.id, { reports: false });
    const res = await viewerA.get(`/api/projects/${projectA.id}/reports`);
    await setClientModules(app.db, clientA.id, { reports: true });
    expect(res.status).toBe(403);
    expect(res.body.error.code).toBe('module_disabled');
  });
});

describe('GET /api/reports/:id/download', () => {
  let published: { id: string; downloadUrl: string };
  let draft: { id: string; downloadUrl: string };
  beforeAll(async () => {
    const list = (await analyst.get(`/api/projects/${projectA.id}/reports`)).body.reports;
    published = list.find((r: { published: boolean }) => r.published);
    draft = list.find((r: { published: boolean }) => !r.published);
  });

  it('streams the PDF to the client’s user as an attachment with nosniff and no-store, and audits bytes, who and ip', async () => {
    const res = await getBytes(app, viewerA, published.downloadUrl);
    expect(res.status).toBe(200);
    expect(res.bytes.equals(pdf2)).toBe(true);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    expect(res.headers.get('content-length')).toBe(String(pdf2.length));
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="Acme pentest v2.pdf"; filename*=UTF-8''Acme%20pentest%20v2.pdf`);
    expect(res.headers.get('x-content-type-options')).toBe('nosniff');
    expect(res.headers.get('cache-control')).toBe('private, no-store');
    await eventually(async () => (await downloadAudits(published.id)).some((a) => a.outcome === 'success'));
    const a = (await downloadAudits(published.id)).find((x) => x.outcome === 'success')!;
    expect(a).toMatchObject({ actor_id: viewerAUser.id, client_id: clientA.id, ip: expect.stringMatching(/127\.0\.0\.1/) });
    expect(JSON.parse(a.details!)).toEqual({ bytes: pdf2.length });
  });

  it('serves staff every version, published or not', async () => {
    expect((await getBytes(app, analyst, draft.downloadUrl)).bytes.equals(pdf1)).toBe(true);
  });

  it('answers 404 to the client for an unpublished report, like a made-up id, and 404 to another client; 401 anonymously', async () => {
    const madeUp = await getBytes(app, viewerA, `/api/reports/${crypto.randomUUID()}/download`);
    const unpublished = await getBytes(app, viewerA, draft.downloadUrl);
    expect(unpublished.status).toBe(404);
    expect(unpublished.json.error).toEqual(madeUp.json.error);
    expect((await getBytes(app, portalB, published.downloadUrl)).status).toBe(404);
    expect((await getBytes(app, null, published.downloadUrl)).status).toBe(401);
  });

  it('answers 403 module_disabled when the client’s Reports module is off', async () => {
    await setClientModules(app.db, clientA.id, { reports: false });
    const res = await getBytes(app, viewerA, published.downloadUrl);
    await setClientModules(app.db, clientA.id, { reports: true });
    expect(res.status).toBe(403);
    expect(res.json.error.code).toBe('module_disabled');
  });

  it('audits refused downloads too (denied, 0 bytes, with the reason)', async () => {
    const reasons = (await downloadAudits(draft.id)).filter((a) => a.outcome === 'denied').map((a) => JSON.parse(a.details!));
    expect(reasons).toContainEqual({ bytes: 0, reason: 'not_found' });
    expect((await downloadAudits(published.id)).filter((a) => a.outcome === 'denied').map((a) => JSON.parse(a.details!).reason)).toEqual(
      expect.arrayContaining(['not_found', 'unauthenticated', 'module_disabled']),
    );
  });

  it('gives a hostile file name a safe Content-Disposition (RFC 6266 with an RFC 5987 filename*)', async () => {
    const names: [string, string][] = [
      ['../../etc/"x".pdf', '"x".pdf'],
      ['Rapport d’audit – été.pdf', 'Rapport d’audit – été.pdf'],
      ['a\r\nSet-Cookie: x=1;.pdf', 'aSet-Cookie: x=1;.pdf'],
    ];
    for (const [name, label] of names) {
      const up = await uploadReport(app, analyst, projectA.id, pdf1, `Names ${label}`, name);
      expect(up.status).toBe(201);
      const res = await getBytes(app, analyst, up.body.report.downloadUrl);
      const cd = res.headers.get('content-disposition')!;
      expect(cd).toMatch(/^attachment; filename="[A-Za-z0-9 ._()+,=@-]+"; filename\*=UTF-8''[A-Za-z0-9%._~!-]+$/);
      expect(cd).not.toMatch(/\.\.|\/|\\/);
      expect(decodeURIComponent(cd.split("filename*=UTF-8''")[1]!)).toBe(label);
      expect(res.headers.get('set-cookie')).toBeNull();
    }
  });

  it('refuses a report whose stored bytes were altered: clear message, flagged, staff alerted, audited', async () => {
    const up = (await uploadReport(app, analyst, projectA.id, tinyPdf('original content'), 'Tampered')).body.report;
    await analyst.patch(`/api/reports/${up.id}`, { published: true });
    const row = await reportRow(up.id);
    const file = path.join(app.config.uploadsDir, row.file);
    await writeFile(file, tinyPdf('altered content!'));

    const res = await getBytes(app, viewerA, up.downloadUrl);
    expect(res.status).toBe(409);
    expect(res.json.error).toEqual({ code: 'conflict', message: DAMAGED });
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect((await reportRow(up.id)).damaged_at).toEqual(expect.any(Number));

    const alert = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'report.damaged').where('target_id', '=', up.id).execute();
    expect(alert).toHaveLength(1);
    expect(alert[0]).toMatchObject({ outcome: 'failure', client_id: clientA.id });
    expect(JSON.parse(alert[0]!.details!)).toMatchObject({ expectedSha256: row.sha256, stage: 'before_send' });
    expect(app.logs.some((l) => l.level === 'error' && l.reportId === up.id)).toBe(true);
    expect((await downloadAudits(up.id)).map((a) => [a.outcome, JSON.parse(a.details!).reason])).toEqual([['failure', 'damaged']]);

    // Staff see the flag; staff downloads are refused the same way.
    const staffList = (await analyst.get(`/api/projects/${projectA.id}/reports`)).body.reports;
    expect(staffList.find((r: { id: string }) => r.id === up.id).damagedAt).toMatch(/Z$/);
    expect((await getBytes(app, analyst, up.downloadUrl)).json.error.message).toBe(DAMAGED);
  });

  it('treats a missing file as damaged too', async () => {
    const up = (await uploadReport(app, analyst, projectA.id, pdf1, 'Vanished')).body.report;
    await app.db.updateTable('reports').set({ file: 'reports/00000000000000000000000000000000.pdf' }).where('id', '=', up.id).execute();
    const res = await getBytes(app, analyst, up.downloadUrl);
    expect(res.status).toBe(409);
    expect(res.json.error.message).toBe(DAMAGED);
    expect((await reportRow(up.id)).damaged_at).not.toBeNull();
  });
});

describe('checksum while streaming', () => {
  it('cuts the connection before the last bytes when the file does not match while it is sent', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'big.bin');
    const bytes = Buffer.alloc(1024 * 1024, 1);
    await writeFile(file, bytes);
    // The server side's own answer, which may settle after the client has already seen the cut.
    let settle!: (r: Awaited<ReturnType<typeof sendFileHandle>>) => void;
    const result = new Promise<Awaited<ReturnType<typeof sendFileHandle>>>((r) => (settle = r));
    const server = createServer(async (_req, res) => {
      res.writeHead(200, { 'content-length': String(bytes.length) });
      settle(await sendFileHandle(res, await open(file, 'r'), sha256(Buffer.from('something else'))));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as { port: number }).port;
    let received = 0;
    let failed = false;
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) received += chunk.length;
    } catch {
      failed = true;
    }
    server.close();
    expect(failed).toBe(true);
    expect(received).toBeLessThan(bytes.length);
    expect(await result).toMatchObject({ complete: false, mismatch: true });
  });
});
