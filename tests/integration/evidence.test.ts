import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClientRow, FindingRow, UserRow } from '../../db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { smallPng } from '../support/images.js';
import { buildFinding, setClientModules, setVisibleFields } from '../support/workspace.js';
import { eventually, getBytes, noisyPng, tinyPdf, uploadEvidence } from '../support/evidence.js';

/** Evidence routes: upload, list, edit, delete, and the access matrix of the files themselves. */

let app: TestApp;
let analyst: Agent;
let admin: Agent;
let clientA: ClientRow;
let clientB: ClientRow;
let findingA: FindingRow;
const portalA: Record<'viewer' | 'collaborator' | 'manager', Agent> = {} as never;
const portalAUsers: Record<'viewer' | 'collaborator' | 'manager', UserRow> = {} as never;
let portalB: Agent;
let image: { id: string; url: string; thumbUrl: string; originalUrl: string };
let text: { id: string; url: string };
let analystUser: UserRow;

const row = (id: string) => app.db.selectFrom('evidence').selectAll().where('id', '=', id).executeTakeFirst();
const setPublished = (f: FindingRow, on: boolean) =>
  app.db
    .updateTable('findings')
    .set({ published: on ? 1 : 0, published_at: on ? Date.now() : null })
    .where('id', '=', f.id)
    .execute();
const setShared = (id: string, on: boolean) =>
  app.db
    .updateTable('evidence')
    .set({ shared: on ? 1 : 0 })
    .where('id', '=', id)
    .execute();

beforeAll(async () => {
  app = await startTestApp();
  analystUser = await buildStaff(app.db);
  analyst = await signIn(app, analystUser);
  admin = await signIn(app, await buildStaff(app.db, { role: 'admin' }));
  clientA = await buildClient(app.db, { name: 'Client A' });
  clientB = await buildClient(app.db, { name: 'Client B' });
  findingA = await buildFinding(app.db, { client_id: clientA.id, published: true });
  for (const role of ['viewer', 'collaborator', 'manager'] as const) {
    portalAUsers[role] = await buildPortalUser(app.db, { client_id: clientA.id, role });
    portalA[role] = await signIn(app, portalAUsers[role]);
  }
  portalB = await signIn(app, await buildPortalUser(app.db, { client_id: clientB.id, role: 'manager' }));
  image = (await uploadEvidence(app, analyst, findingA.id, await noisyPng(320, 240), 'login page.png', 'image/png', 'The admin login')).body.evidence;
  text = (await uploadEvidence(app, admin, findingA.id, Buffer.from('HTTP/1.1 200 OK\nX-Debug: on\n'), 'response.txt')).body.evidence;
  await setShared(image.id, true);
  await setShared(text.id, true);
});
afterAll(() => app.close());

describe('POST /api/findings/:id/evidence', () => {
  it('stores an image for an analyst with its caption, dimensions, a client copy and an audit row', async () => {
    const r = await row(image.id);
    expect(r).toMatchObject({
      kind: 'image',
      mime: 'image/png',
      width: 320,
      height: 240,
      caption: 'The admin login',
      original_name: 'login page.png',
      shared: 1,
      client_id: clientA.id,
      created_by: analystUser.id,
    });
    expect(r!.client_file).not.toBe(r!.original_file);
    const audit = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'evidence.uploaded')
      .where('target_id', '=', image.id)
      .executeTakeFirstOrThrow();
    expect(audit).toMatchObject({ outcome: 'success', actor_id: analystUser.id, client_id: clientA.id });
    expect(JSON.parse(audit.details!)).toMatchObject({ findingId: findingA.id, kind: 'image', bytes: r!.size });
  });

  it('answers the new item as staff see it (original URL included), new items not yet shared', async () => {
    const res = await uploadEvidence(app, analyst, findingA.id, await smallPng(), 'x.png');
    expect(res.status).toBe(201);
    expect(res.body.evidence).toMatchObject({ kind: 'image', shared: false, redactions: [], originalUrl: `/api/evidence/${res.body.evidence.id}/original` });
  });

  it('answers 404 for a made-up finding and refuses the client’s users (403 when they can see the finding, 404 for another client)', async () => {
    const before = await app.db.selectFrom('evidence').select('id').execute();
    expect((await uploadEvidence(app, analyst, crypto.randomUUID(), await smallPng())).status).toBe(404);
    expect((await uploadEvidence(app, portalA.manager, findingA.id, await smallPng())).status).toBe(403);
    expect((await uploadEvidence(app, portalB, findingA.id, await smallPng())).status).toBe(404);
    expect((await uploadEvidence(app, null, findingA.id, await smallPng())).status).toBe(401);
    expect(await app.db.selectFrom('evidence').select('id').execute()).toEqual(before);
  });

  it('refuses invalid query input with 400 and stores nothing', async () => {
    const before = await app.db.selectFrom('evidence').select('id').execute();
    const png = Uint8Array.from(await smallPng());
    for (const q of ['name=a.png&unknown=1', `caption=${'c'.repeat(501)}`, 'name=a.png&name=b.png']) {
      const res = await fetch(`${app.url}/api/findings/${findingA.id}/evidence?${q}`, {
        method: 'POST',
        headers: { origin: app.url, cookie: analyst.cookie!, 'content-type': 'application/octet-stream' },
        body: png,
      });
      expect(res.status, q).toBe(400);
    }
    expect(await app.db.selectFrom('evidence').select('id').execute()).toEqual(before);
  });
});

describe('GET /api/evidence/:id/file|thumb — who may see what', () => {
  const variants = () => [image.url, image.thumbUrl, text.url];

  it('serves staff (analyst and admin)', async () => {
    for (const agent of [analyst, admin]) for (const url of variants()) expect((await getBytes(app, agent, url)).status).toBe(200);
  });

  it('answers 401 anonymously and 404 to another client’s user (same as a made-up id)', async () => {
    const madeUp = await getBytes(app, portalB, `/api/evidence/${crypto.randomUUID()}/file`);
    expect(madeUp.status).toBe(404);
    for (const url of variants()) {
      expect((await getBytes(app, null, url)).status).toBe(401);
      const res = await getBytes(app, portalB, url);
      expect(res.status).toBe(404);
      expect(res.json.error).toEqual(madeUp.json.error);
    }
  });

  it('serves the client’s users (every role) when published, shared, evidence visible and the module on', async () => {
    for (const agent of Object.values(portalA)) for (const url of variants()) expect((await getBytes(app, agent, url)).status).toBe(200);
  });

  const conditions: [string, () => Promise<unknown>, () => Promise<unknown>][] = [
    ['the finding is a draft', () => setPublished(findingA, false), () => setPublished(findingA, true)],
    [
      'the item is not shared',
      () => Promise.all([setShared(image.id, false), setShared(text.id, false)]),
      () => Promise.all([setShared(image.id, true), setShared(text.id, true)]),
    ],
    [
      'the client hides evidence',
      () => setVisibleFields(app.db, clientA.id, { evidence: false }),
      () => setVisibleFields(app.db, clientA.id, { evidence: true }),
    ],
  ];
  for (const [label, off, on] of conditions) {
    it(`answers 404 to the client’s users when ${label} (on the very next request)`, async () => {
      await off();
      try {
        for (const agent of Object.values(portalA)) for (const url of variants()) expect((await getBytes(app, agent, url)).status, url).toBe(404);
        const list = await portalA.viewer.get(`/api/findings/${findingA.id}/evidence`);
        if (label === 'the item is not shared') expect(list.body.evidence).toEqual([]);
        else expect(list.status).toBe(404);
      } finally {
        await on();
      }
      expect((await getBytes(app, portalA.viewer, image.url)).status).toBe(200);
    });
  }

  it('answers 403 module_disabled to the client’s users when the Findings module is off', async () => {
    await setClientModules(app.db, clientA.id, { findings: false });
    try {
      const res = await getBytes(app, portalA.viewer, image.url);
      expect(res.status).toBe(403);
      expect(res.json.error.code).toBe('module_disabled');
    } finally {
      await setClientModules(app.db, clientA.id, { findings: true });
    }
  });

  it('answers 404 when a client copy is missing', async () => {
    const r = (await row(text.id))!;
    await app.db.updateTable('evidence').set({ client_file: null }).where('id', '=', text.id).execute();
    expect((await getBytes(app, portalA.viewer, text.url)).status).toBe(404);
    await app.db.updateTable('evidence').set({ client_file: r.client_file }).where('id', '=', text.id).execute();
  });

  it('sends images inline and other files as attachments, with their stored type, nosniff, a sandbox and no caching', async () => {
    const img = await getBytes(app, portalA.viewer, image.url);
    expect(img.headers.get('content-type')).toBe('image/png');
    expect(img.headers.get('content-disposition')).toBe(`inline; filename="login page.png"; filename*=UTF-8''login%20page.png`);
    expect(img.headers.get('x-content-type-options')).toBe('nosniff');
    expect(img.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    expect(img.headers.get('cache-control')).toBe('private, no-store');
    const txt = await getBytes(app, portalA.viewer, text.url);
    expect(txt.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(txt.headers.get('content-disposition')).toMatch(/^attachment; filename="response.txt"/);
    expect(txt.bytes.toString()).toBe('HTTP/1.1 200 OK\nX-Debug: on\n');
    const orig = await getBytes(app, analyst, image.originalUrl);
    expect(orig.headers.get('content-type')).toBe('image/png');
    expect(orig.headers.get('cache-control')).toBe('private, no-store');
  });

  it('audits every download: who, which file and variant, bytes, ip and client', async () => {
    const res = await getBytes(app, portalA.collaborator, image.thumbUrl);
    const check = () =>
      app.db
        .selectFrom('audit_events')
        .selectAll()
        .where('action', '=', 'evidence.downloaded')
        .where('target_id', '=', image.id)
        .where('outcome', '=', 'success')
        .orderBy('id', 'desc')
        .executeTakeFirst();
    await eventually(async () => JSON.parse((await check())?.details ?? '{}').variant === 'thumb');
    const a = (await check())!;
    expect(a).toMatchObject({ client_id: clientA.id, actor_id: portalAUsers.collaborator.id, ip: expect.stringMatching(/127\.0\.0\.1/) });
    expect(JSON.parse(a.details!)).toEqual({ variant: 'thumb', bytes: res.bytes.length });
  });
});

describe('GET /api/findings/:id/evidence', () => {
  it('lists every item for staff and only shared client copies for the client (no staff-only fields)', async () => {
    const extra = (await uploadEvidence(app, analyst, findingA.id, tinyPdf(), 'unshared.pdf')).body.evidence;
    const staffList = await analyst.get(`/api/findings/${findingA.id}/evidence`);
    expect(staffList.status).toBe(200);
    expect(staffList.body.finding).toMatchObject({ id: findingA.id, title: findingA.title, published: true });
    expect(staffList.body.evidence.map((e: { id: string }) => e.id)).toContain(extra.id);
    const clientList = await portalA.viewer.get(`/api/findings/${findingA.id}/evidence`);
    expect(clientList.status).toBe(200);
    expect(clientList.body.finding).not.toHaveProperty('published');
    const ids = clientList.body.evidence.map((e: { id: string }) => e.id);
    expect(ids).toEqual([image.id, text.id]);
    for (const e of clientList.body.evidence)
      for (const k of ['originalUrl', 'originalName', 'mime', 'size', 'redactions', 'shared']) expect(e).not.toHaveProperty(k);
    expect((await portalB.get(`/api/findings/${findingA.id}/evidence`)).status).toBe(404);
    expect((await new Agent(app.url).get(`/api/findings/${findingA.id}/evidence`)).status).toBe(401);
  });

  it('answers 404 to the client for a draft finding', async () => {
    const draft = await buildFinding(app.db, { client_id: clientA.id });
    expect((await portalA.viewer.get(`/api/findings/${draft.id}/evidence`)).status).toBe(404);
    expect((await analyst.get(`/api/findings/${draft.id}/evidence`)).status).toBe(200);
  });
});

describe('PATCH /api/evidence/:id', () => {
  it('changes the caption and the shared switch, with an audit row', async () => {
    const res = await analyst.patch(`/api/evidence/${image.id}`, { caption: '  Admin login, unauthenticated  ', shared: false });
    expect(res.status).toBe(200);
    expect(res.body.evidence).toMatchObject({ caption: 'Admin login, unauthenticated', shared: false });
    expect((await getBytes(app, portalA.viewer, image.url)).status).toBe(404);
    expect((await analyst.patch(`/api/evidence/${image.id}`, { shared: true })).body.evidence.shared).toBe(true);
    expect((await getBytes(app, portalA.viewer, image.url)).status).toBe(200);
    const audits = await app.db
      .selectFrom('audit_events')
      .select('details')
      .where('action', '=', 'evidence.updated')
      .where('target_id', '=', image.id)
      .orderBy('id') // in the order written (PostgreSQL returns rows in no set order without it)
      .execute();
    expect(audits.map((a) => JSON.parse(a.details!))).toEqual([{ caption: true, shared: false }, { shared: true }]);
  });

  it('refuses invalid input with 400 and changes nothing', async () => {
    const before = JSON.stringify(await row(image.id));
    for (const body of [{}, { shared: 'yes' }, { caption: 'x'.repeat(501) }, { caption: 'ok', published: true }, { clientId: clientB.id }]) {
      const res = await analyst.patch(`/api/evidence/${image.id}`, body);
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    expect(JSON.stringify(await row(image.id))).toBe(before);
  });

  it('refuses the client’s users (403 visible, 404 other client) and anonymous (401)', async () => {
    const before = JSON.stringify(await row(image.id));
    expect((await portalA.manager.patch(`/api/evidence/${image.id}`, { shared: false })).status).toBe(403);
    expect((await portalB.patch(`/api/evidence/${image.id}`, { shared: false })).status).toBe(404);
    expect((await new Agent(app.url).patch(`/api/evidence/${image.id}`, { shared: false })).status).toBe(401);
    expect((await analyst.patch(`/api/evidence/${crypto.randomUUID()}`, { shared: false })).status).toBe(404);
    expect(JSON.stringify(await row(image.id))).toBe(before);
  });
});

describe('DELETE /api/evidence/:id', () => {
  it('refuses the client’s users and anonymous, then deletes for staff with its files and an audit row', async () => {
    const item = (await uploadEvidence(app, analyst, findingA.id, await noisyPng(100, 80), 'gone.png')).body.evidence;
    await setShared(item.id, true);
    expect((await portalA.manager.delete(`/api/evidence/${item.id}`)).status).toBe(403);
    expect((await portalB.delete(`/api/evidence/${item.id}`)).status).toBe(404);
    expect((await new Agent(app.url).delete(`/api/evidence/${item.id}`)).status).toBe(401);
    const r = (await row(item.id))!;
    const files = [r.original_file, r.client_file!, r.client_thumb_file!].map((f) => path.join(app.config.uploadsDir, f));
    for (const f of files) expect(existsSync(f)).toBe(true);

    expect((await admin.delete(`/api/evidence/${item.id}`)).status).toBe(204);
    expect(await row(item.id)).toBeUndefined();
    for (const f of files) expect(existsSync(f)).toBe(false);
    expect((await getBytes(app, analyst, item.url)).status).toBe(404);
    expect((await admin.delete(`/api/evidence/${item.id}`)).status).toBe(404);
    const audit = await app.db.selectFrom('audit_events').selectAll().where('action', '=', 'evidence.deleted').where('target_id', '=', item.id).execute();
    expect(audit).toHaveLength(1);
  });
});
