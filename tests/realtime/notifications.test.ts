import { describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding, buildProject } from '../support/workspace.js';
import { appWithSockets, ask, connected, connectSocket, feedSocket, recordAll, until } from '../support/socket.js';
import { buildNotification, mailsTo, sendDigestsAfterGrace } from '../support/notifications.js';
import type { UserRow } from '../../db/schema.js';

let app: TestApp;
const open = appWithSockets((a) => void (app = a));

async function live(user: UserRow): Promise<Socket> {
  const s = connectSocket(app, await signIn(app, user));
  open.push(s);
  return connected(s);
}
const publish = (ids: number[]) => app.deps.bus.publish('notifications.created', { ids });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const rowsOf = (userId: string) => app.db.selectFrom('notifications').selectAll().where('user_id', '=', userId).orderBy('id').execute();

describe('notification:created', () => {
  it('arrives live on every socket of its user only, with the unread count; an online user gets no mail', async () => {
    const client = await buildClient(app.db);
    const me = await buildPortalUser(app.db, { client_id: client.id });
    const colleague = await buildPortalUser(app.db, { client_id: client.id });
    const staff = await buildStaff(app.db);
    const [mine1, mine2, theirs, staffs] = await Promise.all([live(me), live(me), live(colleague), live(staff)]);
    const rec = [mine1, mine2, theirs, staffs].map(recordAll);

    await buildNotification(app.db, me.id, { read_at: Date.now() });
    await buildNotification(app.db, me.id);
    const n = await buildNotification(app.db, me.id, { kind: 'mention', text: 'Sam mentioned you on “XSS”', link: '/portal/findings/x', client_id: client.id });
    publish([n.id]);
    await until(() => rec[0]!.ofType('notification:created').length === 1 && rec[1]!.ofType('notification:created').length === 1, 'push on both of my sockets');
    expect(rec[0]!.ofType('notification:created')[0]).toEqual({
      notification: {
        id: n.id,
        kind: 'mention',
        text: 'Sam mentioned you on “XSS”',
        link: '/portal/findings/x',
        createdAt: expect.any(String),
        read: false,
        count: 1,
        authors: [],
      },
      unread: 2,
      unreadChat: 0,
    });
    await sleep(200);
    expect(rec[2]!.events).toEqual([]);
    expect(rec[3]!.events).toEqual([]);
    // Online: no mail, and the row is not marked emailed.
    expect(await mailsTo(app.db, me.email)).toEqual([]);
    expect((await rowsOf(me.id)).at(-1)!.emailed_at).toBeNull();
  });

  it('an offline user with mention mail on gets one mail; with it off, none; pushing twice never mails twice', async () => {
    const on = await buildStaff(app.db);
    const off = await buildStaff(app.db, { notify_prefs: JSON.stringify({ emailMentions: false }) });
    const a = await buildNotification(app.db, on.id, { text: 'Pat mentioned you on “Open redirect”', link: '/staff/findings/f1' });
    const b = await buildNotification(app.db, off.id);
    publish([a.id, b.id]);
    await sendDigestsAfterGrace(app);
    expect(await mailsTo(app.db, on.email)).toHaveLength(1);
    const [mail] = await mailsTo(app.db, on.email);
    expect(mail).toMatchObject({ kind: 'mention', status: 'stored' });
    expect(mail!.subject).toContain('You were mentioned');
    expect(mail!.text_body).toContain('Pat mentioned you on “Open redirect”');
    expect(mail!.text_body).toContain(`${app.config.publicUrl}/staff/findings/f1`);
    expect((await rowsOf(on.id))[0]!.emailed_at).not.toBeNull();

    publish([a.id, b.id]);
    await sleep(300);
    await sendDigestsAfterGrace(app);
    expect(await mailsTo(app.db, on.email)).toHaveLength(1);
    expect(await mailsTo(app.db, off.email)).toEqual([]);
    expect((await rowsOf(off.id))[0]!.emailed_at).toBeNull();
  });

  it('re-checks access at push time: a removed user, a portal switched off, a withdrawn finding get nothing', async () => {
    const client = await buildClient(app.db);
    const user = await buildPortalUser(app.db, { client_id: client.id });
    const s = await live(user);
    const rec = recordAll(s);
    const draft = await buildFinding(app.db, { client_id: client.id });
    const withdrawn = await buildNotification(app.db, user.id, { kind: 'finding_published', finding_id: draft.id, client_id: client.id });
    publish([withdrawn.id]);
    await sleep(300);
    expect(rec.ofType('notification:created')).toEqual([]);

    // The portal is switched off after the row was written: no push, no mail.
    const other = await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id });
    const n = await buildNotification(app.db, other.id);
    await app.db.updateTable('clients').set({ portal_enabled: 0 }).where('id', '=', other.client_id!).execute();
    const removed = await buildStaff(app.db, { status: 'removed' });
    const m = await buildNotification(app.db, removed.id);
    publish([n.id, m.id]);
    await sleep(300);
    expect(await mailsTo(app.db, other.email)).toEqual([]);
    expect(await mailsTo(app.db, removed.email)).toEqual([]);
  });

  it('a finding publication reaches client A’s user live with the bell count, and nothing reaches client B', async () => {
    const a = await buildClient(app.db);
    const b = await buildClient(app.db);
    const aUser = await buildPortalUser(app.db, { client_id: a.id });
    const bUser = await buildPortalUser(app.db, { client_id: b.id });
    const staff = await signIn(app, await buildStaff(app.db));
    const pa = await live(aUser);
    const pb = await live(bUser);
    const [ra, rb] = [recordAll(pa), recordAll(pb)];
    const f = await buildFinding(app.db, { client_id: a.id, title: 'Weak TLS' });
    expect((await staff.post(`/api/findings/${f.id}/publish`, { confirm: true })).status).toBe(200);
    await until(() => ra.ofType('notification:created').length === 1, 'publication notification');
    expect(ra.ofType('notification:created')[0]).toMatchObject({ notification: { kind: 'finding_published', link: `/portal/findings/${f.id}` }, unread: 1 });
    await sleep(200);
    expect(rb.ofType('notification:created')).toEqual([]);
    expect(await mailsTo(app.db, aUser.email)).toEqual([]);
  });
});

describe('chat.posted', () => {
  async function message(clientId: string, authorId: string, body = 'hello'): Promise<number> {
    const now = Date.now();
    const r = await app.db
      .insertInto('chat_messages')
      .values({
        client_id: clientId,
        author_id: authorId,
        body,
        client_message_id: `m${now}${Math.random().toString(36).slice(2)}`,
        created_at: now,
        edited_at: null,
        deleted_at: null,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return r.id;
  }
  const post = async (clientId: string, authorId: string) =>
    app.deps.bus.publish('chat.posted', { clientId, messageId: await message(clientId, authorId), authorId });

  it('tells the people away once per channel (even after three messages), never the author or those in the channel', async () => {
    const client = await buildClient(app.db);
    const author = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' });
    const away = await buildPortalUser(app.db, { client_id: client.id });
    const present = await buildPortalUser(app.db, { client_id: client.id });
    const teamStaff = await buildStaff(app.db);
    const otherStaff = await buildStaff(app.db);
    const outsider = await buildPortalUser(app.db, { client_id: (await buildClient(app.db)).id });
    await buildProject(app.db, { client_id: client.id, team: [teamStaff.id] });

    const inChannel = await live(present);
    expect(await ask(inChannel, 'presence:join', { target: { kind: 'channel', id: client.id } })).toMatchObject({ ok: true });
    const awaySocket = await live(away);
    const rec = recordAll(awaySocket);

    for (let i = 0; i < 3; i++) await post(client.id, author.id);
    await expect.poll(async () => (await rowsOf(away.id)).length).toBe(1);
    await expect.poll(async () => (await rowsOf(teamStaff.id)).length).toBe(1);
    await sleep(300);
    expect(await rowsOf(away.id)).toHaveLength(1);
    expect((await rowsOf(away.id))[0]).toMatchObject({ kind: 'chat', client_id: client.id, link: '/portal/chat', actor_id: author.id });
    expect((await rowsOf(teamStaff.id))[0]).toMatchObject({ kind: 'chat', link: `/staff/chat/${client.id}` });
    for (const u of [author, present, otherStaff, outsider]) expect(await rowsOf(u.id), u.email).toEqual([]);
    // One item, pushed again as it counts on (the same id each time), ending at three messages.
    await expect.poll(() => rec.ofType('notification:created').at(-1)?.notification.count, { timeout: 3000 }).toBe(3);
    const pushed = rec.ofType('notification:created');
    expect(new Set(pushed.map((p) => p.notification.id))).toEqual(new Set([(await rowsOf(away.id))[0]!.id]));
    expect(pushed.at(-1)!.notification.count).toBe(3);
    expect(pushed.at(-1)!.unreadChat).toBe(1);
    // Away and online → no mail; the team analyst is offline → one mail about chat, after the grace period.
    await sendDigestsAfterGrace(app);
    expect(await mailsTo(app.db, away.email)).toEqual([]);
    expect((await mailsTo(app.db, teamStaff.email)).map((m) => m.kind)).toEqual(['chat']);

    // Once read, the next message makes a new one.
    await (await signIn(app, away)).post('/api/notifications/read-all');
    await post(client.id, author.id);
    await expect.poll(async () => (await rowsOf(away.id)).length).toBe(2);

    // A channel is checked at most once a second: a burst right after a check is still told,
    // once, when that second is up (the newest message of the burst is checked).
    await (await signIn(app, away)).post('/api/notifications/read-all');
    for (let i = 0; i < 3; i++) await post(client.id, author.id);
    await expect.poll(async () => (await rowsOf(away.id)).length, { timeout: 3000 }).toBe(3);
    await sleep(1200);
    expect(await rowsOf(away.id)).toHaveLength(3);
  });

  it('tells a whole channel in one commit: 40 people away are one write, not one each', async () => {
    const client = await buildClient(app.db);
    const author = await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator' });
    const people = await Promise.all(Array.from({ length: 40 }, () => buildPortalUser(app.db, { client_id: client.id })));
    const commits = async () => {
      const m = await app.deps.metrics.registry.getSingleMetric('debrief_group_commit_seconds')!.get();
      return (m.values as { metricName?: string; value: number }[]).find((v) => v.metricName === 'debrief_group_commit_seconds_count')?.value ?? 0;
    };
    const before = await commits();
    await post(client.id, author.id);
    await expect.poll(async () => (await Promise.all(people.map((u) => rowsOf(u.id)))).every((r) => r.length === 1)).toBe(true);
    await app.server.drain();
    // The message itself was written by the test, outside the queue: the one commit is the check's.
    expect((await commits()) - before).toBe(1);
    const [one] = await rowsOf(people[0]!.id);
    expect(one).toMatchObject({ kind: 'chat', client_id: client.id, count: 1, read_at: null });
  });

  it('the client’s users are not told when its Chat module is off (staff still are)', async () => {
    const client = await buildClient(app.db, { modules: JSON.stringify({ chat: false }) });
    const user = await buildPortalUser(app.db, { client_id: client.id });
    const staff = await buildStaff(app.db);
    await buildProject(app.db, { client_id: client.id, team: [staff.id] });
    const author = await buildStaff(app.db);
    await post(client.id, author.id);
    await expect.poll(async () => (await rowsOf(staff.id)).length).toBe(1);
    expect(await rowsOf(user.id)).toEqual([]);
  });
});

describe('one delivery for many people', () => {
  /** Statements the server runs while `people` (a third of them staff) are told one notification each, live. */
  async function statementsToTell(people: number): Promise<number> {
    const client = await buildClient(app.db);
    const users = await Promise.all(
      Array.from({ length: people }, (_, i) => (i % 3 === 2 ? buildStaff(app.db) : buildPortalUser(app.db, { client_id: client.id }))),
    );
    const sockets = await Promise.all(users.map(live));
    const recs = sockets.map(recordAll);
    const ids = [];
    for (const u of users) ids.push((await buildNotification(app.db, u.id, { kind: 'chat', client_id: client.id, link: '/portal/chat' })).id);
    await app.server.drain();
    let n = 0;
    const db = app.deps.db;
    app.deps.db = db.withPlugin({ transformQuery: (a) => (n++, a.node), transformResult: async (a) => a.result });
    try {
      publish(ids);
      await until(() => recs.every((r) => r.ofType('notification:created').length === 1), 'every person told');
      await app.server.drain();
    } finally {
      app.deps.db = db;
    }
    return n;
  }

  it('reads a fixed number of times however many people it tells (scopes, counts and rooms read once for all)', async () => {
    const few = await statementsToTell(3);
    const many = await statementsToTell(15);
    // One or more reads per person would add at least 12 here.
    expect(many - few).toBeLessThan(4);
  });
});

describe('feed sockets', () => {
  it('a feed-subscribed socket gets its notification too', async () => {
    const staff = await buildStaff(app.db);
    const { socket } = await feedSocket(app, await signIn(app, staff));
    open.push(socket);
    const rec = recordAll(socket);
    const n = await buildNotification(app.db, staff.id);
    publish([n.id]);
    await until(() => rec.ofType('notification:created').length === 1, 'push');
  });
});
