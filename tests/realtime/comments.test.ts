import { describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { TestApp } from '../support/app.js';
import { appWithSockets, ask, feedSocket, recordAll, until } from '../support/socket.js';
import { agentsOf, buildCommentWorld, cmid, mention, notificationsOf, type CommentWorld } from '../support/comments.js';

/**
 * Comments over real socket.io clients: a staff member, a Collaborator and a Viewer of client A,
 * and a user of client B. Internal notes carry a canary that must never appear in anything a
 * portal socket receives; nothing of A's reaches B.
 */

const CANARY = 'CANARY-7f3a-internal-only';

let app: TestApp;
let w: CommentWorld;
let as: Awaited<ReturnType<typeof agentsOf>>;
// A slow refill, so the rate-limit test's answers do not depend on how fast this machine is.
const open = appWithSockets(
  async (a) => {
    app = a;
    w = await buildCommentWorld(app.db);
    as = await agentsOf(app, w);
  },
  { MESSAGE_RATE_PER_MINUTE: '1' },
);

async function sockets() {
  const [s, collab, viewer, b] = await Promise.all([
    feedSocket(app, as.analyst),
    feedSocket(app, as.collaboratorA),
    feedSocket(app, as.viewerA),
    feedSocket(app, as.userB),
  ]);
  open.push(s.socket, collab.socket, viewer.socket, b.socket);
  return { s, collab, viewer, b, rec: { s: recordAll(s.socket), collab: recordAll(collab.socket), viewer: recordAll(viewer.socket), b: recordAll(b.socket) } };
}

const create = (socket: Socket, findingId: string, body: string, extra: { internal?: boolean; clientMessageId?: string } = {}) =>
  ask(socket, 'comment:create', {
    findingId,
    body,
    clientMessageId: extra.clientMessageId ?? cmid(),
    ...(extra.internal !== undefined && { internal: extra.internal }),
  });

describe('comments live', () => {
  it('pushes comments to everyone who may see them; internal notes never reach a portal socket; a shared note does; nothing reaches B', async () => {
    const { s, collab, rec } = await sockets();
    const f = w.findingA.id;

    // A Collaborator comments over the socket (the browser's outbox path); a retry with the same id is the same comment.
    const id = cmid();
    const first = await create(collab.socket, f, `Hello from the client, ${mention(w.analyst)}`, { clientMessageId: id });
    expect(first).toMatchObject({ ok: true, created: true });
    const again = await create(collab.socket, f, `Hello from the client, ${mention(w.analyst)}`, { clientMessageId: id });
    expect(again).toMatchObject({ ok: true, created: false, comment: { id: first.comment.id } });
    await until(() => rec.s.ofType('comment:created').length === 1 && rec.viewer.ofType('comment:created').length === 1, 'the comment pushed');
    expect(rec.s.ofType('comment:created')[0].data).toMatchObject({ id: first.comment.id, findingId: f, internal: false });
    expect(rec.viewer.ofType('comment:created')[0].data.internal).toBeUndefined();
    expect(rec.viewer.ofType('comment:created')[0].data.bodyHtml).toContain('class="mention"');
    // The mention is a notification row for the analyst (pushing it is the notifications feature's job).
    expect((await notificationsOf(app.db, w.analyst.id)).map((n) => [n.kind, n.finding_id])).toEqual([['mention', f]]);

    // Internal notes with the canary: created over the socket, edited and deleted over HTTP.
    const note = await create(s.socket, f, `${CANARY} first note ${mention(w.collaboratorA)}`, { internal: true });
    expect(note).toMatchObject({ ok: true, comment: { internal: true } });
    const note2 = await create(s.socket, f, `${CANARY} second note`, { internal: true });
    expect((await as.analyst.patch(`/api/comments/${note.comment.id}`, { body: `${CANARY} edited note` })).status).toBe(200);
    expect((await as.analyst.delete(`/api/comments/${note2.comment.id}`)).status).toBe(204);
    // …and a note without the canary that is then shared with the client.
    const toShare = await create(s.socket, f, 'SHARED-MARK now for the client', { internal: true });
    expect((await as.analyst.post(`/api/comments/${toShare.comment.id}/share`, {})).status).toBe(200);
    await until(() => rec.collab.ofType('comment:updated').some((e) => e.data.id === toShare.comment.id), 'the shared note reaches A');
    expect(rec.viewer.ofType('comment:updated').find((e) => e.data.id === toShare.comment.id).data.body).toBe('SHARED-MARK now for the client');
    await until(() => rec.s.ofType('comment:deleted').length === 1, 'staff sees the deletion');
    expect(rec.s.ofType('comment:created').filter((e) => e.data.internal).length).toBe(3);
    expect(rec.s.ofType('comment:updated').map((e) => e.data.id)).toEqual([note.comment.id, toShare.comment.id]);

    await app.server.drain();
    for (const r of [rec.collab, rec.viewer, rec.b]) {
      expect(JSON.stringify(r.events)).not.toContain(CANARY);
      expect(r.events.some(([, p]) => p?.data?.id === note.comment.id || p?.data?.id === note2.comment.id)).toBe(false);
    }
    // No client user was told about the internal note that mentioned them.
    expect((await notificationsOf(app.db, w.collaboratorA.id)).filter((n) => n.actor_id === w.analyst.id)).toEqual([]);
    // The client's sockets saw each of their comments once; B saw nothing at all.
    expect(rec.collab.ofType('comment:created').map((e) => e.data.id)).toEqual([first.comment.id]);
    expect(rec.b.events).toEqual([]);
  });

  it('refuses over the socket exactly as over HTTP: Viewer 403, other client 404, portal internal note 403, malformed payloads', async () => {
    const { collab, viewer, b, rec } = await sockets();
    const before = await app.db
      .selectFrom('comments')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(await create(viewer.socket, w.findingA.id, 'hi')).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await create(b.socket, w.findingA.id, 'hi')).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await create(collab.socket, w.draftA.id, 'hi')).toMatchObject({ ok: false, error: { code: 'not_found' } });
    expect(await create(collab.socket, w.findingA.id, `${CANARY} sneaky`, { internal: true })).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(await ask(collab.socket, 'comment:create', { findingId: w.findingA.id, body: '  ', clientMessageId: cmid() })).toMatchObject({
      ok: false,
      error: { code: 'validation_failed' },
    });
    expect(
      await ask(collab.socket, 'comment:create', { findingId: w.findingA.id, body: 'x', clientMessageId: cmid(), __proto__: { internal: true } }),
    ).toMatchObject({ ok: true });
    expect(
      await ask(
        collab.socket,
        'comment:create',
        JSON.parse(`{"findingId":"${w.findingA.id}","body":"x","clientMessageId":"${cmid()}","__proto__":{"internal":true}}`),
      ),
    ).toMatchObject({ ok: false });
    expect(await ask(collab.socket, 'comment:create', 'not an object')).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(await ask(collab.socket, 'comment:create', { findingId: w.findingA.id, body: 'x'.repeat(10_001), clientMessageId: cmid() })).toMatchObject({
      ok: false,
    });
    const after = await app.db
      .selectFrom('comments')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n) + 1); // only the one valid comment (a literal __proto__ key is not an own key)
    await app.server.drain();
    expect(JSON.stringify(rec.viewer.events)).not.toContain(CANARY);
  });

  it('catches a dropped socket up on the comments it missed, once each, in order', async () => {
    const { collab, s } = await sockets();
    const last = collab.position;
    collab.socket.close();
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await create(s.socket, w.findingA.id, `while away ${i}`)).comment.id);
    const back = await feedSocket(app, as.collaboratorA, last);
    open.push(back.socket);
    expect(back.answer.resync).toBe(false);
    const created = back.answer.events.filter((e: any) => e.type === 'comment:created').map((e: any) => e.data.id);
    expect(created.slice(-5)).toEqual(ids);
  });

  it('limits the send rate per user across socket and HTTP (rate_limited), writing nothing more', async () => {
    const s = await feedSocket(app, as.managerA);
    open.push(s.socket);
    const answers = [];
    for (let i = 0; i < app.config.messageBurst + 5; i++) answers.push(await create(s.socket, w.findingA.id, `fast ${i}`));
    expect(answers.filter((a) => a.ok).length).toBe(app.config.messageBurst);
    expect(answers.slice(app.config.messageBurst).every((a) => !a.ok && a.error.code === 'rate_limited')).toBe(true);
    const http = await as.managerA.post(`/api/findings/${w.findingA.id}/comments`, { body: 'and over HTTP', clientMessageId: cmid() });
    expect(http.status).toBe(429);
  });
});
