import { beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { cmid, postComment } from '../support/comments.js';
import { buildFinding } from '../support/workspace.js';
import { appWithSockets, feedSocket, recordAll, until } from '../support/socket.js';
import type { ClientRow, FindingRow } from '../../db/schema.js';

/**
 * The live feed's presenters for deletions, withdrawals and event audiences
 * (server/realtime/feed-presenters.ts), over real sockets: live pushes AND the catch-up answer of
 * `feed:subscribe {since}` give a portal socket exactly the portal shape (no internal-note events,
 * not even deletions; no staff fields), staff theirs, another client nothing.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a));

/** Every key a portal comment payload may carry (server/visibility/fields.ts `comment`, portal: true). */
const PORTAL_COMMENT_KEYS = ['author', 'body', 'bodyHtml', 'clientMessageId', 'createdAt', 'deleted', 'editedAt', 'findingId', 'id'];
const STAFF_COMMENT_KEYS = [...PORTAL_COMMENT_KEYS, 'internal', 'sharedAt'].sort();
const MESSAGE_KEYS = ['attachments', 'author', 'body', 'bodyHtml', 'clientId', 'clientMessageId', 'createdAt', 'deleted', 'editedAt', 'id'];

type Envelope = { position: number; clientId: string; type: string; at: string; data: any };
const feedOnly = (events: [string, any][]): Envelope[] => events.map(([, p]) => p).filter((p) => p && typeof p.position === 'number');
const sortedKeys = (o: object) => Object.keys(o).sort();

describe('deletions, withdrawals and audiences in the feed', () => {
  let a: ClientRow;
  let staff: Agent;
  let managerA: Agent;
  let userB: Agent;
  let finding: FindingRow;
  let withdrawn: FindingRow;
  const ids = { note: '', comment: '', message: 0 };
  let start = { staff: 0, portal: 0 };
  let live: { staff: Envelope[]; portal: Envelope[]; other: [string, any][] };

  beforeAll(async () => {
    a = await buildClient(app.db);
    const b = await buildClient(app.db);
    staff = await signIn(app, await buildStaff(app.db));
    managerA = await signIn(app, await buildPortalUser(app.db, { client_id: a.id, role: 'manager' }));
    userB = await signIn(app, await buildPortalUser(app.db, { client_id: b.id, role: 'manager' }));
    finding = await buildFinding(app.db, { client_id: a.id, published: true, title: 'Feed finding' });
    withdrawn = await buildFinding(app.db, { client_id: a.id, published: true, title: 'To be withdrawn' });

    const s = await feedSocket(app, staff);
    const pa = await feedSocket(app, managerA);
    const pb = await feedSocket(app, userB);
    open.push(s.socket, pa.socket, pb.socket);
    start = { staff: s.position, portal: pa.position };
    const [rs, ra, rb] = [recordAll(s.socket), recordAll(pa.socket), recordAll(pb.socket)];

    // An internal note, made and deleted; a public comment, made and deleted.
    const note = await postComment(staff, finding.id, 'internal only, secret-ish', { internal: true });
    expect(note.status).toBe(201);
    ids.note = note.body.comment.id;
    expect((await staff.delete(`/api/comments/${ids.note}`)).status).toBe(204);
    const comment = await postComment(staff, finding.id, 'public remark');
    expect(comment.status).toBe(201);
    ids.comment = comment.body.comment.id;
    expect((await staff.delete(`/api/comments/${ids.comment}`)).status).toBe(204);
    // A chat message from the client, deleted by its author.
    const msg = await managerA.post(`/api/chat/${a.id}/messages`, { body: 'hello from A', clientMessageId: cmid() });
    expect(msg.status).toBe(201);
    ids.message = msg.body.message.id;
    expect((await managerA.delete(`/api/chat/messages/${ids.message}`)).status).toBe(200);
    // A published finding withdrawn.
    expect((await staff.post(`/api/findings/${withdrawn.id}/unpublish`, {})).status).toBe(200);

    await app.server.drain();
    await until(() => ra.ofType('finding:unpublished').length === 1 && rs.ofType('finding:unpublished').length === 1, 'withdrawal pushed');
    live = { staff: feedOnly(rs.events), portal: feedOnly(ra.events), other: rb.events };
  });

  it('staff get the internal note’s creation and deletion, with the staff fields', () => {
    const created = live.staff.filter((e) => e.type === 'comment:created').map((e) => e.data);
    const deleted = live.staff.filter((e) => e.type === 'comment:deleted').map((e) => e.data);
    expect(created.map((c) => c.id)).toEqual([ids.note, ids.comment]);
    expect(deleted.map((c) => c.id)).toEqual([ids.note, ids.comment]);
    for (const c of [...created, ...deleted]) expect(sortedKeys(c)).toEqual(STAFF_COMMENT_KEYS);
    expect(deleted[0]).toMatchObject({ id: ids.note, internal: true, deleted: true, body: '', bodyHtml: '', findingId: finding.id });
    expect(deleted[1]).toMatchObject({ id: ids.comment, internal: false, deleted: true, body: '' });
  });

  it('the portal gets the public comment’s deletion in the portal shape, and nothing at all about the internal note', () => {
    const portalJson = JSON.stringify(live.portal);
    expect(portalJson).not.toContain(ids.note);
    expect(portalJson).not.toContain('internal only');
    const created = live.portal.filter((e) => e.type === 'comment:created').map((e) => e.data);
    const deleted = live.portal.filter((e) => e.type === 'comment:deleted').map((e) => e.data);
    expect(created.map((c) => c.id)).toEqual([ids.comment]);
    expect(deleted).toHaveLength(1);
    expect(sortedKeys(deleted[0])).toEqual(PORTAL_COMMENT_KEYS);
    expect(deleted[0]).toMatchObject({ id: ids.comment, findingId: finding.id, deleted: true, body: '', bodyHtml: '' });
    for (const c of created) expect(sortedKeys(c)).toEqual(PORTAL_COMMENT_KEYS);
  });

  it('both sides get the chat deletion as a tombstone (no body, no files)', () => {
    for (const events of [live.staff, live.portal]) {
      const del = events.filter((e) => e.type === 'message:deleted');
      expect(del).toHaveLength(1);
      expect(sortedKeys(del[0]!.data)).toEqual(MESSAGE_KEYS);
      expect(del[0]!.data).toMatchObject({ id: ids.message, clientId: a.id, deleted: true, body: '', bodyHtml: '', attachments: [] });
    }
  });

  it('a withdrawn finding is announced to both sides by id only', () => {
    for (const events of [live.staff, live.portal]) {
      const w = events.filter((e) => e.type === 'finding:unpublished');
      expect(w).toHaveLength(1);
      expect(w[0]!.data).toEqual({ id: withdrawn.id });
      expect(w[0]!.clientId).toBe(a.id);
    }
  });

  it('another client’s socket receives nothing', () => {
    expect(live.other).toEqual([]);
  });

  it('catch-up gives the portal the same events (same positions, same ids) in the portal shape, and nothing about the note', async () => {
    const back = await feedSocket(app, managerA, start.portal);
    open.push(back.socket);
    expect(back.answer.resync).toBe(false);
    const events: Envelope[] = back.answer.events;
    expect(events.map((e) => [e.position, e.type, e.data.id])).toEqual(live.portal.map((e) => [e.position, e.type, e.data.id]));
    expect(JSON.stringify(events)).not.toContain(ids.note);
    for (const e of events.filter((x) => x.type.startsWith('comment:'))) {
      expect(sortedKeys(e.data)).toEqual(PORTAL_COMMENT_KEYS);
      // Presented as things are now: the comment is deleted, so even its creation shows no body.
      expect(e.data).toMatchObject({ deleted: true, body: '' });
    }
    expect(events.find((e) => e.type === 'finding:unpublished')!.data).toEqual({ id: withdrawn.id });
    expect(events.find((e) => e.type === 'message:deleted')!.data).toMatchObject({ id: ids.message, deleted: true, body: '', attachments: [] });
  });

  it('catch-up gives staff every event, the note’s deletion included, in the staff shape', async () => {
    const back = await feedSocket(app, staff, start.staff);
    open.push(back.socket);
    expect(back.answer.resync).toBe(false);
    const events: Envelope[] = back.answer.events;
    expect(events.map((e) => [e.position, e.type, e.data.id])).toEqual(live.staff.map((e) => [e.position, e.type, e.data.id]));
    const noteDeleted = events.find((e) => e.type === 'comment:deleted' && e.data.id === ids.note);
    expect(noteDeleted?.data).toMatchObject({ internal: true, deleted: true, body: '' });
    for (const e of events.filter((x) => x.type.startsWith('comment:'))) expect(sortedKeys(e.data)).toEqual(STAFF_COMMENT_KEYS);
  });
});
