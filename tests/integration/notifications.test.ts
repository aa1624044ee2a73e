import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { buildFinding, buildProject, buildReportRow, setClientModules } from '../support/workspace.js';
import { buildNotification, mailsTo, sendDigestsAfterGrace } from '../support/notifications.js';

let app: TestApp;
beforeAll(async () => {
  app = await startTestApp();
});
afterAll(async () => app.close());

const rowsOf = (userId: string) => app.db.selectFrom('notifications').selectAll().where('user_id', '=', userId).orderBy('id').execute();

describe('GET /api/notifications', () => {
  it('needs a session', async () => {
    const res = await new Agent(app.url).get('/api/notifications');
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthenticated');
  });

  it('lists only the viewer’s own, newest first, with the unread count and pages with before/limit', async () => {
    const me = await buildPortalUser(app.db);
    const other = await buildPortalUser(app.db, { client_id: me.client_id });
    const n1 = await buildNotification(app.db, me.id, { text: 'first' });
    const n2 = await buildNotification(app.db, me.id, { text: 'second', read_at: Date.now() });
    const n3 = await buildNotification(app.db, me.id, { text: 'third' });
    await buildNotification(app.db, other.id, { text: 'not mine' });
    const agent = await signIn(app, me);

    const all = await agent.get('/api/notifications');
    expect(all.status).toBe(200);
    expect(all.body.notifications.map((n: any) => n.text)).toEqual(['third', 'second', 'first']);
    expect(all.body.unread).toBe(2);
    expect(all.body.nextBefore).toBeNull();
    expect(all.body.notifications[1]).toEqual({
      id: n2.id,
      kind: 'mention',
      text: 'second',
      link: '/account',
      createdAt: expect.any(String),
      read: true,
      count: 1,
      authors: [],
    });

    const page1 = await agent.get('/api/notifications?limit=2');
    expect(page1.body.notifications.map((n: any) => n.id)).toEqual([n3.id, n2.id]);
    expect(page1.body.nextBefore).toBe(n2.id);
    const page2 = await agent.get(`/api/notifications?limit=2&before=${page1.body.nextBefore}`);
    expect(page2.body.notifications.map((n: any) => n.id)).toEqual([n1.id]);
    expect(page2.body.nextBefore).toBeNull();
  });

  it('refuses bad paging input with a clear 400', async () => {
    const agent = await signIn(app, await buildStaff(app.db));
    for (const q of ['limit=0', 'limit=51', 'limit=abc', 'before=-1', 'before=1.5', 'other=1']) {
      const res = await agent.get(`/api/notifications?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.error.code, q).toBe('validation_failed');
    }
  });
});

describe('GET /api/notifications/unread-count', () => {
  it('counts the viewer’s unread only (anonymous 401)', async () => {
    expect((await new Agent(app.url).get('/api/notifications/unread-count')).status).toBe(401);
    const me = await buildStaff(app.db);
    const other = await buildStaff(app.db);
    await buildNotification(app.db, me.id);
    await buildNotification(app.db, me.id, { read_at: Date.now() });
    await buildNotification(app.db, other.id);
    const res = await (await signIn(app, me)).get('/api/notifications/unread-count');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ unread: 1, unreadChat: 0 });
  });
});

describe('POST /api/notifications/:id/read', () => {
  it('marks one of the viewer’s own read and answers the new count; idempotent', async () => {
    const me = await buildPortalUser(app.db);
    const a = await buildNotification(app.db, me.id);
    await buildNotification(app.db, me.id);
    const agent = await signIn(app, me);
    const res = await agent.post(`/api/notifications/${a.id}/read`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ unread: 1, unreadChat: 0 });
    expect((await rowsOf(me.id))[0]!.read_at).not.toBeNull();
    expect((await agent.post(`/api/notifications/${a.id}/read`)).body).toEqual({ unread: 1, unreadChat: 0 });
  });

  it('answers 404 for someone else’s notification (any client, staff too) and changes nothing', async () => {
    const me = await buildPortalUser(app.db);
    const colleague = await buildPortalUser(app.db, { client_id: me.client_id });
    const staff = await buildStaff(app.db);
    const theirs = await buildNotification(app.db, colleague.id);
    for (const who of [me, staff]) {
      const res = await (await signIn(app, who)).post(`/api/notifications/${theirs.id}/read`);
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    expect((await rowsOf(colleague.id))[0]!.read_at).toBeNull();
  });

  it('answers 404 for ids that cannot exist, and 401 without a session', async () => {
    const me = await buildStaff(app.db);
    const mine = await buildNotification(app.db, me.id);
    const agent = await signIn(app, me);
    for (const id of ['abc', '0', '-1', '1e3', '99999999999999999999', '00001']) {
      expect((await agent.post(`/api/notifications/${id}/read`)).status, id).toBe(404);
    }
    expect((await new Agent(app.url).post(`/api/notifications/${mine.id}/read`)).status).toBe(401);
    expect((await rowsOf(me.id))[0]!.read_at).toBeNull();
  });
});

describe('POST /api/notifications/read-all', () => {
  it('marks every one of the viewer’s own read and nobody else’s', async () => {
    const me = await buildStaff(app.db);
    const other = await buildStaff(app.db);
    await buildNotification(app.db, me.id);
    await buildNotification(app.db, me.id);
    await buildNotification(app.db, other.id);
    expect((await new Agent(app.url).post('/api/notifications/read-all')).status).toBe(401);
    const res = await (await signIn(app, me)).post('/api/notifications/read-all');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ unread: 0, unreadChat: 0 });
    expect((await rowsOf(me.id)).every((n) => n.read_at !== null)).toBe(true);
    expect((await rowsOf(other.id))[0]!.read_at).toBeNull();
  });

  it('refuses a cross-site request and changes nothing', async () => {
    const me = await buildStaff(app.db);
    await buildNotification(app.db, me.id);
    const res = await (await signIn(app, me)).post('/api/notifications/read-all', {}, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    expect((await rowsOf(me.id))[0]!.read_at).toBeNull();
  });
});

describe('publication notifications', () => {
  it('a published finding notifies client A’s active portal users only (never B’s, never removed users), and mails them while offline', async () => {
    const a = await buildClient(app.db);
    const b = await buildClient(app.db);
    const aViewer = await buildPortalUser(app.db, { client_id: a.id });
    const aManager = await buildPortalUser(app.db, { client_id: a.id, role: 'manager' });
    const aRemoved = await buildPortalUser(app.db, { client_id: a.id, status: 'removed' });
    const bUser = await buildPortalUser(app.db, { client_id: b.id });
    const staff = await buildStaff(app.db);
    const f = await buildFinding(app.db, { client_id: a.id, title: 'SQL injection in login' });

    const res = await (await signIn(app, staff)).post(`/api/findings/${f.id}/publish`, { confirm: true });
    expect(res.status).toBe(200);
    for (const u of [aViewer, aManager]) {
      const rows = await rowsOf(u.id);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ kind: 'finding_published', client_id: a.id, finding_id: f.id, actor_id: staff.id, link: `/portal/findings/${f.id}` });
      expect(rows[0]!.text).toContain('SQL injection in login');
    }
    expect(await rowsOf(aRemoved.id)).toEqual([]);
    expect(await rowsOf(bUser.id)).toEqual([]);
    expect(await rowsOf(staff.id)).toEqual([]);

    // Nobody of A is connected: each gets one mail after the grace period, with the link and no secret.
    await app.server.drain();
    expect(await mailsTo(app.db, aViewer.email)).toEqual([]);
    await sendDigestsAfterGrace(app);
    expect(await mailsTo(app.db, aViewer.email)).toHaveLength(1);
    const [mail] = await mailsTo(app.db, aViewer.email);
    expect(mail).toMatchObject({ kind: 'finding_published', status: 'stored' });
    expect(mail!.text_body).toContain(`${app.config.publicUrl}/portal/findings/${f.id}`);
    expect(await mailsTo(app.db, bUser.email)).toEqual([]);
    expect(await mailsTo(app.db, aRemoved.email)).toEqual([]);
    await expect.poll(async () => (await rowsOf(aViewer.id))[0]!.emailed_at).not.toBeNull();

    // The viewer sees it in their list; unpublishing notifies no one.
    const list = await (await signIn(app, aViewer)).get('/api/notifications');
    expect(list.body.notifications[0]).toMatchObject({ kind: 'finding_published', read: false, link: `/portal/findings/${f.id}` });
    await (await signIn(app, staff)).post(`/api/findings/${f.id}/unpublish`);
    expect(await rowsOf(aViewer.id)).toHaveLength(1);
  });

  it('nobody is told when the client’s Findings module is off; a published report tells those with Reports on', async () => {
    const c = await buildClient(app.db);
    await setClientModules(app.db, c.id, { findings: false });
    const user = await buildPortalUser(app.db, { client_id: c.id });
    const staff = await signIn(app, await buildStaff(app.db));
    const f = await buildFinding(app.db, { client_id: c.id });
    expect((await staff.post(`/api/findings/${f.id}/publish`, { confirm: true })).status).toBe(200);
    expect(await rowsOf(user.id)).toEqual([]);

    const project = await buildProject(app.db, { client_id: c.id });
    const report = await buildReportRow(app.db, project.id, { title: 'Annual test' });
    const res = await staff.patch(`/api/reports/${report.id}`, { published: true });
    expect(res.status, res.text).toBe(200);
    const rows = await rowsOf(user.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'report_published', link: '/portal/reports' });

    await setClientModules(app.db, c.id, { reports: false });
    const again = await buildReportRow(app.db, project.id, { title: 'Second' });
    expect((await staff.patch(`/api/reports/${again.id}`, { published: true })).status).toBe(200);
    expect(await rowsOf(user.id)).toHaveLength(1);
  });
});
