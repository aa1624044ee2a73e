import { describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildProject } from '../support/workspace.js';
import { appWithSockets, ask, connected, connectSocket, recordAll } from '../support/socket.js';
import { cmid, buildCommentWorld, mention, postComment } from '../support/comments.js';
import { mailsTo } from '../support/notifications.js';
import { DIGEST_GRACE_MS } from '../../server/events/handlers/notification-mail.js';
import type { UserRow } from '../../db/schema.js';

/**
 * Calm notifications (issue 18, points 1–4), with the app's injectable clock: a burst of replies
 * is one bell item and one mail; the rest wait for a digest at the end of the person's window,
 * stored so a restart loses and repeats nothing; a page open in a visible tab makes no item.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a));

async function live(user: UserRow): Promise<Socket> {
  const s = connectSocket(app, await signIn(app, user));
  open.push(s);
  return connected(s);
}
const MIN = 60_000;
const unreadOf = (userId: string) =>
  app.db.selectFrom('notifications').selectAll().where('user_id', '=', userId).where('read_at', 'is', null).orderBy('id').execute();
/** Move the clock and queue the mails then due (after every pending delivery). */
async function at(ms: number): Promise<number> {
  await app.server.drain();
  app.clock.advance(ms);
  return app.server.sendDueDigests();
}

describe('a burst of replies', () => {
  it('20 replies in a minute: one bell item, one mail after the grace period, then one digest at the end of the window (mentions folded in); a restart loses and repeats nothing', async () => {
    const w = await buildCommentWorld(app.db);
    const viewer = await signIn(app, w.collaboratorA);
    const analyst = await signIn(app, w.analyst);
    // The viewer commented first: they follow the finding and are told of replies.
    expect((await postComment(viewer, w.findingA.id, 'Is this fixed?')).status).toBe(201);
    for (let i = 0; i < 20; i++) {
      expect((await postComment(analyst, w.findingA.id, `reply ${i}`)).status).toBe(201);
      // Two seconds pass, and the delivery after the commit with them (on PostgreSQL it follows the answer).
      await app.server.drain();
      app.clock.advance(2000);
    }
    await app.server.drain();

    // One unread item standing for all twenty.
    const items = await unreadOf(w.collaboratorA.id);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ kind: 'reply', count: 20, finding_id: w.findingA.id });
    expect(items[0]!.text).toBe(`20 new comments from ${w.analyst.name} on “${w.findingA.title}”`);
    const list = await viewer.get('/api/notifications');
    expect(list.body.notifications[0]).toMatchObject({ kind: 'reply', count: 20, authors: [w.analyst.name], read: false });
    expect(list.body.unread).toBe(1);

    // 40 s after the first reply: still inside the grace period, no mail yet.
    expect(await at(0)).toBe(0);
    expect(await mailsTo(app.db, w.collaboratorA.email)).toEqual([]);
    // Past it: one mail for the whole burst.
    expect(await at(DIGEST_GRACE_MS - 40_000 + 1000)).toBe(1);
    const [first] = await mailsTo(app.db, w.collaboratorA.email);
    expect(first!.text_body).toContain(`20 new comments from ${w.analyst.name}`);
    expect(first!.text_body).toContain(`${app.config.publicUrl}/portal/findings/${w.findingA.id}`);
    expect(first!.text_body).not.toContain('reply 19');

    // More replies and a mention in the window: the same item counts on, the mention is its own.
    for (let i = 0; i < 5; i++) expect((await postComment(analyst, w.findingA.id, `later ${i}`)).status).toBe(201);
    expect((await postComment(analyst, w.findingA.id, `${mention(w.collaboratorA)} please check`)).status).toBe(201);
    await app.server.drain();
    expect((await unreadOf(w.collaboratorA.id)).map((n) => [n.kind, n.count])).toEqual([
      ['reply', 25],
      ['mention', 1],
    ]);
    // Two minutes on: the window (15 minutes by default) is still open, nothing goes.
    expect(await at(2 * MIN)).toBe(0);
    expect(await mailsTo(app.db, w.collaboratorA.email)).toHaveLength(1);

    // A restart while the digest waits: it is stored, so it still goes, once.
    await app.restart();
    expect(await at(13 * MIN)).toBe(1);
    const mails = await mailsTo(app.db, w.collaboratorA.email);
    expect(mails).toHaveLength(2);
    const digest = mails[1]!;
    expect(digest.subject).toMatch(/^2 updates · /);
    expect(digest.text_body).toContain(`“${w.findingA.title}”`);
    expect(digest.text_body).toContain(`25 new comments from ${w.analyst.name}`);
    expect(digest.text_body).toContain(`${w.analyst.name} mentioned you on`);
    expect(digest.text_body).not.toContain('please check');

    // Nothing repeats: not at once, not after another restart, not a day later.
    expect(await at(0)).toBe(0);
    await app.restart();
    expect(await at(24 * 60 * MIN)).toBe(0);
    expect(await mailsTo(app.db, w.collaboratorA.email)).toHaveLength(2);
  });

  it('leaves out what the person read since: read before the mail goes, no mail at all', async () => {
    const w = await buildCommentWorld(app.db);
    const viewer = await signIn(app, w.collaboratorA);
    await postComment(viewer, w.findingA.id, 'First');
    await postComment(await signIn(app, w.analyst), w.findingA.id, 'An answer');
    await app.server.drain();
    expect(await unreadOf(w.collaboratorA.id)).toHaveLength(1);
    expect((await viewer.post('/api/notifications/read-all')).status).toBe(200);
    expect(await at(DIGEST_GRACE_MS + 1000)).toBe(0);
    expect(await mailsTo(app.db, w.collaboratorA.email)).toEqual([]);
  });

  it('honours the person’s own window: hourly means nothing more for an hour after a mail', async () => {
    const w = await buildCommentWorld(app.db);
    const viewer = await signIn(app, w.collaboratorA);
    expect((await viewer.patch('/api/profile', { mailEvery: 60 })).body.mailEvery).toBe(60);
    const analyst = await signIn(app, w.analyst);
    await postComment(viewer, w.findingA.id, 'First');
    await postComment(analyst, w.findingA.id, 'one');
    expect(await at(DIGEST_GRACE_MS + 1000)).toBe(1);
    await postComment(analyst, w.findingA.id, 'two');
    expect(await at(20 * MIN)).toBe(0);
    expect(await at(40 * MIN)).toBe(1);
    expect(await mailsTo(app.db, w.collaboratorA.email)).toHaveLength(2);
  });
});

describe('the mail window preference (PATCH /api/profile mailEvery)', () => {
  it('takes 15, 60, 1440 or null; refuses anything else with a clear 400 and changes nothing; needs a session', async () => {
    const me = await buildStaff(app.db);
    const agent = await signIn(app, me);
    expect((await agent.patch('/api/profile', { mailEvery: 1440 })).body).toMatchObject({ mailEvery: 1440 });
    for (const bad of [30, '60', 0, -1, 1.5, true]) {
      const res = await agent.patch('/api/profile', { mailEvery: bad });
      expect(res.status, String(bad)).toBe(400);
      expect(res.body.error.code).toBe('validation_failed');
    }
    expect((await agent.get('/api/profile')).body.mailEvery).toBe(1440);
    // The mail switches and the window share one column: changing one keeps the other.
    expect((await agent.patch('/api/profile', { notifyPrefs: { emailChat: false } })).body).toMatchObject({
      mailEvery: 1440,
      notifyPrefs: { emailChat: false },
    });
    expect((await agent.patch('/api/profile', { mailEvery: null })).body).toMatchObject({ mailEvery: null, notifyPrefs: { emailChat: false } });
    const anon = await fetch(`${app.url}/api/profile`, {
      method: 'PATCH',
      headers: { 'content-type': 'application/json', origin: app.url },
      body: '{"mailEvery":60}',
    });
    expect(anon.status).toBe(401);
  });
});

describe('a page open in a visible tab', () => {
  it('gets no unread item and no mail for replies on that finding; hidden, it does', async () => {
    const w = await buildCommentWorld(app.db);
    const viewer = await signIn(app, w.collaboratorA);
    const analyst = await signIn(app, w.analyst);
    await postComment(viewer, w.findingA.id, 'First');
    const page = await live(w.collaboratorA);
    expect(await ask(page, 'presence:join', { target: { kind: 'finding', id: w.findingA.id } })).toMatchObject({ ok: true });

    await postComment(analyst, w.findingA.id, 'While you look');
    await app.server.drain();
    expect(await unreadOf(w.collaboratorA.id)).toEqual([]);
    expect((await viewer.get('/api/notifications/unread-count')).body).toEqual({ unread: 0, unreadChat: 0 });

    // The tab is hidden: the next reply is an unread item.
    expect(await ask(page, 'presence:visibility', { visible: false })).toMatchObject({ ok: true });
    await postComment(analyst, w.findingA.id, 'While you are away');
    await app.server.drain();
    expect((await unreadOf(w.collaboratorA.id)).map((n) => n.kind)).toEqual(['reply']);
    // Visible again and a reply: the item is read (the page shows it), nothing mailed.
    expect(await ask(page, 'presence:visibility', { visible: true })).toMatchObject({ ok: true });
    await postComment(analyst, w.findingA.id, 'And now');
    expect(await at(DIGEST_GRACE_MS + 1000)).toBe(0);
    expect(await unreadOf(w.collaboratorA.id)).toEqual([]);
  });

  it('gets no chat item for a channel open and visible; another client’s people hear nothing', async () => {
    const client = await buildClient(app.db);
    const staff = await buildStaff(app.db);
    await buildProject(app.db, { client_id: client.id, team: [staff.id] });
    const reader = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' });
    const outsider = await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id });
    const page = await live(reader);
    const other = await live(outsider);
    const heard = recordAll(other);
    expect(await ask(page, 'presence:join', { target: { kind: 'channel', id: client.id } })).toMatchObject({ ok: true });
    const staffAgent = await signIn(app, staff);
    expect((await staffAgent.post(`/api/chat/${client.id}/messages`, { body: 'hello', clientMessageId: cmid() })).status).toBe(201);
    await app.server.drain();
    await new Promise((r) => setTimeout(r, 1200));
    await app.server.drain();
    expect(await unreadOf(reader.id)).toEqual([]);
    expect(heard.events).toEqual([]);
  });

  it('refuses bad visibility input with a clear error and changes nothing', async () => {
    const me = await buildStaff(app.db);
    const s = await live(me);
    for (const bad of [{}, { visible: 'no' }, { visible: true, extra: 1 }, null]) {
      const ack = await ask(s, 'presence:visibility', bad);
      expect(ack.ok, JSON.stringify(bad)).toBe(false);
      expect(['validation_failed', 'bad_request']).toContain(ack.error.code);
      expect(ack.error.message).toMatch(/\w/);
    }
  });
});

describe('the Chat badge (unreadChat)', () => {
  it('counts live on every tab, and reading the channel clears it on every tab', async () => {
    const client = await buildClient(app.db);
    const reader = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' });
    const staff = await buildStaff(app.db);
    await buildProject(app.db, { client_id: client.id, team: [staff.id] });
    const [tab1, tab2] = [await live(reader), await live(reader)];
    const [r1, r2] = [recordAll(tab1), recordAll(tab2)];
    const outsiderTab = recordAll(await live(await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id })));

    const sent = await (await signIn(app, staff)).post(`/api/chat/${client.id}/messages`, { body: 'news', clientMessageId: cmid() });
    expect(sent.status).toBe(201);
    await expect.poll(() => r2.ofType('notification:created').at(-1)?.unreadChat).toBe(1);
    expect(r1.ofType('notification:created').at(-1)).toMatchObject({ unreadChat: 1, unread: 1, notification: { kind: 'chat', count: 1 } });
    expect((await (await signIn(app, reader)).get('/api/notifications/unread-count')).body).toEqual({ unread: 1, unreadChat: 1 });

    // Read up to the newest message (the Chat page does): the item is read, both tabs hear the new counts.
    const read = await (await signIn(app, reader)).post(`/api/chat/${client.id}/read`, { lastReadId: sent.body.message.id });
    expect(read.status).toBe(200);
    await expect.poll(() => r2.ofType('notifications:counted').at(-1)).toEqual({ unread: 0, unreadChat: 0 });
    expect(r1.ofType('notifications:counted').at(-1)).toEqual({ unread: 0, unreadChat: 0 });
    expect(outsiderTab.events).toEqual([]);
  });
});

describe('the live Outbox (outbox:changed)', () => {
  it('reaches the firm’s admins only, carrying nothing, when a mail is queued', async () => {
    const admin = await buildStaff(app.db, { role: 'admin' });
    const analyst = await buildStaff(app.db);
    const portal = await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id, role: 'manager' });
    const [a, b, c] = [recordAll(await live(admin)), recordAll(await live(analyst)), recordAll(await live(portal))];
    // A password reset queues a mail (anyone may ask, signed out).
    const res = await fetch(`${app.url}/api/auth/password-reset`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: app.url },
      body: JSON.stringify({ email: analyst.email }),
    });
    expect(res.status).toBe(202);
    await expect.poll(() => a.ofType('outbox:changed').length).toBeGreaterThan(0);
    expect(a.ofType('outbox:changed')[0]).toEqual({});
    await app.server.drain();
    expect(b.ofType('outbox:changed')).toEqual([]);
    expect(c.ofType('outbox:changed')).toEqual([]);
  });
});
