import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding } from '../support/workspace.js';
import { appWithSockets, feedSocket, recordAll, until } from '../support/socket.js';
import { mentionToken } from '../../server/contracts/comments.js';
import { sendDigestsAfterGrace } from '../support/notifications.js';

/**
 * Issue 5's mention tests end to end: comment → mention parsed from the stored text →
 * notification row in the comment's transaction → pushed live to the mentioned person's sockets,
 * or (when they are offline) mailed per their preferences. A mention of someone who cannot see
 * the finding notifies no one, live or by mail.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a));

let n = 0;
const cid = () => `mention${Date.now().toString(36)}${(++n).toString(36)}`;
const mailsTo = (email: string) => app.db.selectFrom('mail_outbox').selectAll().where('to_address', '=', email).execute();
const notificationsOf = (userId: string) => app.db.selectFrom('notifications').selectAll().where('user_id', '=', userId).execute();

describe('mentions', () => {
  it('an online analyst mentioned by a client Collaborator gets the notification live (and no mail)', async () => {
    const client = await buildClient(app.db);
    const finding = await buildFinding(app.db, { client_id: client.id, published: true, title: 'Weak TLS configuration' });
    const analyst = await buildStaff(app.db, { role: 'analyst', name: 'Ana Analyst' });
    const collab = await signIn(app, await buildPortalUser(app.db, { client_id: client.id, role: 'collaborator', name: 'Carl Client' }));
    const s = await feedSocket(app, await signIn(app, analyst));
    open.push(s.socket);
    const rec = recordAll(s.socket);

    const res = await collab.post(`/api/findings/${finding.id}/comments`, {
      body: `${mentionToken(analyst)} can you confirm the fix?`,
      clientMessageId: cid(),
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    await until(() => rec.ofType('notification:created').length === 1, 'the live notification');
    const pushed = rec.ofType('notification:created')[0];
    expect(pushed.notification).toMatchObject({ kind: 'mention', link: `/staff/findings/${finding.id}`, read: false });
    expect(pushed.notification.text).toContain('Carl Client');
    expect(pushed.unread).toBe(1);
    await app.server.drain();
    await new Promise((r) => setTimeout(r, 100));
    expect(await mailsTo(analyst.email)).toEqual([]);
  });

  it('an offline person is mailed (per their preference), with a link and no comment text beyond the summary', async () => {
    const client = await buildClient(app.db);
    const finding = await buildFinding(app.db, { client_id: client.id, published: true });
    const staff = await signIn(app, await buildStaff(app.db));
    const manager = await buildPortalUser(app.db, { client_id: client.id, role: 'manager' });
    const mutedManager = await buildPortalUser(app.db, { client_id: client.id, role: 'manager' });
    await app.db
      .updateTable('users')
      .set({ notify_prefs: JSON.stringify({ emailMentions: false }) })
      .where('id', '=', mutedManager.id)
      .execute();

    const res = await staff.post(`/api/findings/${finding.id}/comments`, {
      body: `${mentionToken(manager)} ${mentionToken(mutedManager)} please review`,
      clientMessageId: cid(),
    });
    expect(res.status).toBe(201);
    // Mail waits out the grace period (issue 18): the test clock moves past it.
    expect(await sendDigestsAfterGrace(app)).toBeGreaterThan(0);
    const mails = await mailsTo(manager.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.text_body).toContain(`${app.config.publicUrl}/portal/findings/${finding.id}`);
    expect(await notificationsOf(mutedManager.id)).toHaveLength(1);
    expect(await mailsTo(mutedManager.email)).toEqual([]);
  });

  it('a mention of another client’s user, or of a portal user in an internal note, notifies no one — live or by mail', async () => {
    const a = await buildClient(app.db);
    const b = await buildClient(app.db);
    const finding = await buildFinding(app.db, { client_id: a.id, published: true });
    const staff = await signIn(app, await buildStaff(app.db));
    const collabA = await signIn(app, await buildPortalUser(app.db, { client_id: a.id, role: 'collaborator' }));
    const userB = await buildPortalUser(app.db, { client_id: b.id, role: 'manager' });
    const managerA = await buildPortalUser(app.db, { client_id: a.id, role: 'manager' });
    const sb = await feedSocket(app, await signIn(app, userB));
    const sa = await feedSocket(app, await signIn(app, managerA));
    open.push(sb.socket, sa.socket);
    const [rb, ra] = [recordAll(sb.socket), recordAll(sa.socket)];

    expect((await collabA.post(`/api/findings/${finding.id}/comments`, { body: `${mentionToken(userB)} look`, clientMessageId: cid() })).status).toBe(201);
    expect(
      (await staff.post(`/api/findings/${finding.id}/comments`, { body: `${mentionToken(managerA)} internal only`, clientMessageId: cid(), internal: true }))
        .status,
    ).toBe(201);
    await app.server.drain();
    await new Promise((r) => setTimeout(r, 300));

    expect(await notificationsOf(userB.id)).toEqual([]);
    expect(await notificationsOf(managerA.id)).toEqual([]);
    expect(rb.events).toEqual([]);
    expect(ra.ofType('notification:created')).toEqual([]);
    expect(await mailsTo(userB.email)).toEqual([]);
    expect(await mailsTo(managerA.email)).toEqual([]);
  });
});
