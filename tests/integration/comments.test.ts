import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { buildStaff } from '../support/factories.js';
import { setClientModules } from '../support/workspace.js';
import { MAX_BODY } from '../../server/contracts/realtime.js';
import {
  agentsOf,
  buildCommentWorld,
  cmid,
  commentSnapshot,
  insertCommentRow,
  mention,
  notificationsOf,
  postComment,
  type CommentWorld,
} from '../support/comments.js';

let app: TestApp;
let w: CommentWorld;
let as: Awaited<ReturnType<typeof agentsOf>>;
let anon: Agent;
beforeAll(async () => {
  app = await startTestApp();
  w = await buildCommentWorld(app.db);
  as = await agentsOf(app, w);
  anon = new Agent(app.url);
});
afterAll(async () => app?.close());

/** Post must not have changed anything (comments, followers, notifications, events). */
async function unchanged(run: () => Promise<{ status: number }>, status: number) {
  await app.server.drain(); // what earlier requests set off (a notification's mail) is done
  const before = await commentSnapshot(app.db);
  const res = await run();
  expect(res.status).toBe(status);
  await app.server.drain();
  expect(JSON.parse(await commentSnapshot(app.db))).toEqual(JSON.parse(before));
}

describe('POST /api/findings/:id/comments', () => {
  it('lets staff, Collaborators and Managers comment; answers 201, then 200 for a replay with no duplicate', async () => {
    const id = cmid();
    const first = await postComment(as.collaboratorA, w.findingA.id, '  Thanks, **looking** into it.  ', { clientMessageId: id });
    expect(first.status, first.text).toBe(201);
    expect(first.body.comment).toMatchObject({
      body: 'Thanks, **looking** into it.',
      deleted: false,
      findingId: w.findingA.id,
      author: { id: w.collaboratorA.id, kind: 'portal' },
    });
    expect(first.body.comment.bodyHtml).toContain('<strong>looking</strong>');
    expect(first.body.comment.internal).toBeUndefined(); // staff-only field never on a portal payload
    const again = await postComment(as.collaboratorA, w.findingA.id, 'Thanks, **looking** into it.', { clientMessageId: id });
    expect(again.status).toBe(200);
    expect(again.body.comment.id).toBe(first.body.comment.id);
    const rows = await app.db.selectFrom('comments').selectAll().where('client_message_id', '=', id).execute();
    expect(rows).toHaveLength(1);
    // The same id for another finding is a client bug, not a new comment.
    await unchanged(() => postComment(as.collaboratorA, w.findingB.id, 'elsewhere', { clientMessageId: id }), 404);
    expect((await postComment(as.analyst, w.draftA.id, 'Staff first', { clientMessageId: id })).status).toBe(201);
    await unchanged(() => postComment(as.analyst, w.findingA.id, 'Staff again', { clientMessageId: id }), 409);
    expect((await postComment(as.managerA, w.findingA.id, 'Manager here')).status).toBe(201);
    expect((await postComment(as.analyst, w.findingA.id, 'Analyst here')).status).toBe(201);
    expect((await postComment(as.analyst, w.draftA.id, 'On a draft, staff only')).status).toBe(201);
    // The log holds each once, with the finding id.
    const events = await app.db.selectFrom('client_events').selectAll().where('entity_id', '=', first.body.comment.id).execute();
    expect(events.map((e) => [e.type, e.audience, JSON.parse(e.data).findingId])).toEqual([['comment:created', 'all', w.findingA.id]]);
  });

  it('refuses anonymous (401), a Viewer (403), the other client (404), a draft or made-up id to portal users (404)', async () => {
    await unchanged(() => postComment(anon, w.findingA.id, 'hi'), 401);
    await unchanged(() => postComment(as.viewerA, w.findingA.id, 'hi'), 403);
    await unchanged(() => postComment(as.userB, w.findingA.id, 'hi'), 404);
    await unchanged(() => postComment(as.collaboratorA, w.draftA.id, 'hi'), 404);
    await unchanged(() => postComment(as.collaboratorA, 'no-such-finding', 'hi'), 404);
    await unchanged(() => postComment(as.analyst, 'no-such-finding', 'hi'), 404);
  });

  it('refuses a portal user’s internal note with 403 and writes nothing', async () => {
    await unchanged(() => postComment(as.collaboratorA, w.findingA.id, 'secret', { internal: true }), 403);
  });

  it('refuses invalid input with 400 and changes nothing', async () => {
    const p = `/api/findings/${w.findingA.id}/comments`;
    await unchanged(() => postComment(as.analyst, w.findingA.id, '   '), 400);
    await unchanged(() => postComment(as.analyst, w.findingA.id, 'x'.repeat(MAX_BODY + 1)), 400);
    await unchanged(() => as.analyst.post(p, { body: 'hi' }), 400);
    await unchanged(() => as.analyst.post(p, { body: 'hi', clientMessageId: 'short' }), 400);
    await unchanged(() => as.analyst.post(p, { body: 'hi', clientMessageId: cmid(), extra: 1 }), 400);
    await unchanged(() => as.analyst.post(p, { body: 42, clientMessageId: cmid() }), 400);
    await unchanged(() => as.analyst.post(p, { body: 'hi', clientMessageId: cmid(), internal: 'yes' }), 400);
  });

  it('answers 403 module_disabled while the client’s Findings module is off', async () => {
    await setClientModules(app.db, w.a.id, { findings: false });
    try {
      const res = await postComment(as.collaboratorA, w.findingA.id, 'hi');
      expect(res.status).toBe(403);
      expect(res.body.error.code).toBe('module_disabled');
    } finally {
      await setClientModules(app.db, w.a.id, { findings: true });
    }
  });

  it('sanitises the rendered HTML (no script, no javascript: links, no raw HTML) and shows mentions as @Name', async () => {
    const evil =
      '<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)> ' +
      mention({ id: w.analyst.id, name: 'Ana <b>"x"</b>' }) +
      ' @[Eve](javascript:alert(2))';
    const res = await postComment(as.collaboratorA, w.findingA.id, evil);
    expect(res.status).toBe(201);
    const html: string = res.body.comment.bodyHtml;
    expect(html).not.toMatch(/<script|<img|onerror=|href="javascript|<b>/i);
    expect(html).toContain(`<span class="mention" data-user-id="${w.analyst.id}">@Ana &#60;b&#62;&#34;x&#34;&#60;/b&#62;</span>`);
    // A token whose "id" is not id-shaped is not a mention (it stays text).
    expect(html).not.toContain('data-user-id="javascript');
    // A token inside a link's title stays text in the attribute: no markup is added inside a tag.
    const titled = await postComment(as.collaboratorA, w.findingA.id, `[site](https://example.com "${mention(w.analyst)}")`);
    expect(titled.body.comment.bodyHtml).toBe(
      `<p><a href="https://example.com" target="_blank" rel="noopener noreferrer nofollow" title="@${w.analyst.name}">site</a></p>\n`,
    );
  });
});

describe('mentions and followers', () => {
  it('notifies a mentioned analyst and a mentioned client user, in the comment’s transaction, with links for their kind', async () => {
    const res = await postComment(as.collaboratorA, w.findingA.id, `Can ${mention(w.analyst)} and ${mention(w.viewerA)} look?`);
    expect(res.status).toBe(201);
    const [na] = (await notificationsOf(app.db, w.analyst.id)).filter((n) => n.kind === 'mention');
    expect(na).toMatchObject({ kind: 'mention', actor_id: w.collaboratorA.id, finding_id: w.findingA.id, link: `/staff/findings/${w.findingA.id}` });
    expect(na!.text).toBe(`${w.collaboratorA.name} mentioned you on “${w.findingA.title}”`);
    const [nv] = await notificationsOf(app.db, w.viewerA.id);
    expect(nv).toMatchObject({ kind: 'mention', link: `/portal/findings/${w.findingA.id}` });
    // Author and mentioned now follow the finding.
    const followers = (await app.db.selectFrom('finding_followers').select('user_id').where('finding_id', '=', w.findingA.id).execute()).map((r) => r.user_id);
    expect(followers).toEqual(expect.arrayContaining([w.collaboratorA.id, w.analyst.id, w.viewerA.id]));
  });

  it('a mention of another client’s user, of a client user in an internal note or on a draft, or of someone removed notifies no one', async () => {
    const newest = async () =>
      Number(
        (
          await app.db
            .selectFrom('notifications')
            .select((eb) => eb.fn.max('id').as('m'))
            .executeTakeFirst()
        )?.m ?? 0,
      );
    const from = await newest();
    const gone = await buildStaff(app.db, { name: 'Removed Analyst', status: 'removed' });
    expect((await postComment(as.collaboratorA, w.findingA.id, `Hey ${mention(w.userB)} and ${mention(gone)}`)).status).toBe(201);
    expect((await postComment(as.analyst, w.findingA.id, `Internal: ${mention(w.managerA)} ${mention(w.viewerA)}`, { internal: true })).status).toBe(201);
    expect((await postComment(as.analyst, w.draftA.id, `Draft: ${mention(w.managerA)}`)).status).toBe(201);
    const added = await app.db.selectFrom('notifications').selectAll().where('id', '>', from).execute();
    // (managerA follows the finding since an earlier comment, so the first comment's 'reply' to them is right.)
    const refused = [w.userB.id, gone.id, w.managerA.id];
    expect(added.filter((n) => refused.includes(n.user_id) && n.kind === 'mention')).toEqual([]);
    expect(added.filter((n) => n.user_id === w.userB.id)).toEqual([]);
    // No portal user hears of the internal note (the Viewer follows the finding since an earlier mention).
    const portal = [w.viewerA.id, w.collaboratorA.id, w.managerA.id];
    expect(added.filter((n) => portal.includes(n.user_id) && n.actor_id === w.analyst.id)).toEqual([]);
  });

  it('tells the other followers (reply), never the author, and not twice those mentioned', async () => {
    const f = w.findingB.id; // a fresh thread: followers are only those made here
    const b = await agentsOf(app, w);
    expect((await postComment(b.userB, f, 'First from B')).status).toBe(201);
    expect((await postComment(b.analyst, f, `Reply to ${mention(w.userB)}`)).status).toBe(201);
    const toB = (await notificationsOf(app.db, w.userB.id)).filter((n) => n.finding_id === f);
    expect(toB.map((n) => n.kind)).toEqual(['mention']);
    expect((await postComment(b.analyst2, f, 'Another analyst')).status).toBe(201);
    const kinds = async (id: string) => (await notificationsOf(app.db, id)).filter((n) => n.finding_id === f).map((n) => n.kind);
    expect(await kinds(w.userB.id)).toEqual(['mention', 'reply']);
    expect(await kinds(w.analyst.id)).toEqual(['reply']);
    expect(await kinds(w.analyst2.id)).toEqual([]);
  });
});

describe('GET /api/findings/:id/comments', () => {
  it('gives staff internal notes and portal users never (filtered), 404 to the other client, 401 anonymous', async () => {
    const note = await postComment(as.analyst, w.findingA.id, 'INTERNAL-CANARY do not share', { internal: true });
    expect(note.status).toBe(201);
    expect(note.body.comment.internal).toBe(true);
    const staff = await as.analyst.get(`/api/findings/${w.findingA.id}/comments`);
    expect(staff.status).toBe(200);
    expect(staff.body.comments.some((c: any) => c.internal && c.body.includes('INTERNAL-CANARY'))).toBe(true);
    const viewer = await as.viewerA.get(`/api/findings/${w.findingA.id}/comments`);
    expect(viewer.status).toBe(200);
    expect(viewer.text).not.toContain('INTERNAL-CANARY');
    expect(viewer.body.comments.length).toBeGreaterThan(0);
    expect((await as.userB.get(`/api/findings/${w.findingA.id}/comments`)).status).toBe(404);
    expect((await as.viewerA.get(`/api/findings/${w.draftA.id}/comments`)).status).toBe(404);
    expect((await anon.get(`/api/findings/${w.findingA.id}/comments`)).status).toBe(401);
  });
});

describe('PATCH and DELETE /api/comments/:id', () => {
  it('lets the author edit (edited marker) and delete (tombstone); others 403, other client 404, anonymous 401', async () => {
    const made = await postComment(as.collaboratorA, w.findingA.id, 'Original text');
    const id = made.body.comment.id;
    await unchanged(() => anon.patch(`/api/comments/${id}`, { body: 'x' }), 401);
    await unchanged(() => as.managerA.patch(`/api/comments/${id}`, { body: 'x' }), 403);
    await unchanged(() => as.analyst.patch(`/api/comments/${id}`, { body: 'x' }), 403);
    await unchanged(() => as.userB.patch(`/api/comments/${id}`, { body: 'x' }), 404);
    await unchanged(() => as.collaboratorA.patch(`/api/comments/${id}`, { body: '  ' }), 400);
    await unchanged(() => as.collaboratorA.patch(`/api/comments/${id}`, { body: 'x', internal: true }), 400);
    const edited = await as.collaboratorA.patch(`/api/comments/${id}`, { body: `Edited, ${mention(w.analyst2)}` });
    expect(edited.status).toBe(200);
    expect(edited.body.comment.editedAt).not.toBeNull();
    expect((await notificationsOf(app.db, w.analyst2.id)).some((n) => n.kind === 'mention' && n.finding_id === w.findingA.id)).toBe(true);

    await unchanged(() => anon.delete(`/api/comments/${id}`), 401);
    await unchanged(() => as.analyst.delete(`/api/comments/${id}`), 403);
    await unchanged(() => as.userB.delete(`/api/comments/${id}`), 404);
    expect((await as.collaboratorA.delete(`/api/comments/${id}`)).status).toBe(204);
    const list = await as.viewerA.get(`/api/findings/${w.findingA.id}/comments`);
    const tomb = list.body.comments.find((c: any) => c.id === id);
    expect(tomb).toMatchObject({ deleted: true, body: '', bodyHtml: '' });
    expect((await as.collaboratorA.patch(`/api/comments/${id}`, { body: 'back' })).status).toBe(404);
    const types = (await app.db.selectFrom('client_events').select('type').where('entity_id', '=', id).orderBy('position').execute()).map((e) => e.type);
    expect(types).toEqual(['comment:created', 'comment:updated', 'comment:deleted']);
  });

  it('a portal user cannot learn an internal note exists (404 for edit, delete and share)', async () => {
    const id = await insertCommentRow(app.db, w.findingA, w.analyst, { internal: true });
    await unchanged(() => as.collaboratorA.patch(`/api/comments/${id}`, { body: 'x' }), 404);
    await unchanged(() => as.collaboratorA.delete(`/api/comments/${id}`), 404);
    await unchanged(() => as.managerA.post(`/api/comments/${id}/share`, {}), 404);
  });
});

describe('POST /api/comments/:id/share', () => {
  it('staff share an internal note: the client sees it from now on, mentioned client users are told; others refused', async () => {
    const made = await postComment(as.analyst, w.findingA.id, `SHARED-NOTE for ${mention(w.collaboratorA)}`, { internal: true });
    const id = made.body.comment.id;
    const told = async () => (await notificationsOf(app.db, w.collaboratorA.id)).filter((n) => n.kind === 'mention' && n.actor_id === w.analyst.id).length;
    const before = await told();
    expect((await as.collaboratorA.get(`/api/findings/${w.findingA.id}/comments`)).text).not.toContain('SHARED-NOTE');
    await unchanged(() => anon.post(`/api/comments/${id}/share`, {}), 401);
    await unchanged(() => as.userB.post(`/api/comments/${id}/share`, {}), 404);
    await unchanged(() => as.collaboratorA.post(`/api/comments/${id}/share`, {}), 404);
    await unchanged(() => as.analyst.post(`/api/comments/no-such-comment/share`, {}), 404);
    // A comment the client already sees: a portal Manager may not share (403); staff sharing it changes nothing.
    const open = await postComment(as.analyst, w.findingA.id, 'Visible already');
    await unchanged(() => as.managerA.post(`/api/comments/${open.body.comment.id}/share`, {}), 403);
    await unchanged(() => as.analyst.post(`/api/comments/${open.body.comment.id}/share`, {}), 200);

    const shared = await as.analyst2.post(`/api/comments/${id}/share`, {});
    expect(shared.status).toBe(200);
    expect(shared.body.comment).toMatchObject({ internal: false });
    expect(shared.body.comment.sharedAt).not.toBeNull();
    expect((await as.collaboratorA.get(`/api/findings/${w.findingA.id}/comments`)).text).toContain('SHARED-NOTE');
    expect(await told()).toBe(before + 1);
    const ev = await app.db.selectFrom('client_events').select(['type', 'audience']).where('entity_id', '=', id).orderBy('position').execute();
    expect(ev).toEqual([
      { type: 'comment:created', audience: 'staff' },
      { type: 'comment:updated', audience: 'all' },
    ]);
  });
});

describe('GET /api/findings/:id/mentionable', () => {
  it('lists the people who can see the finding (staff only for an internal note), never the other client', async () => {
    const names = (r: any) => r.body.people.map((p: any) => p.id);
    const all = await as.collaboratorA.get(`/api/findings/${w.findingA.id}/mentionable`);
    expect(all.status).toBe(200);
    expect(names(all)).toEqual(expect.arrayContaining([w.analyst.id, w.analyst2.id, w.viewerA.id, w.managerA.id]));
    expect(names(all)).not.toContain(w.userB.id);
    expect(names(all)).not.toContain(w.collaboratorA.id); // not yourself
    const internal = await as.analyst.get(`/api/findings/${w.findingA.id}/mentionable?internal=true`);
    expect(internal.status).toBe(200);
    expect(internal.body.people.every((p: any) => p.kind === 'staff')).toBe(true);
    const draft = await as.analyst.get(`/api/findings/${w.draftA.id}/mentionable`);
    expect(draft.body.people.every((p: any) => p.kind === 'staff')).toBe(true);
    expect((await anon.get(`/api/findings/${w.findingA.id}/mentionable`)).status).toBe(401);
    expect((await as.userB.get(`/api/findings/${w.findingA.id}/mentionable`)).status).toBe(404);
    expect((await as.viewerA.get(`/api/findings/${w.findingA.id}/mentionable`)).status).toBe(403);
    expect((await as.collaboratorA.get(`/api/findings/${w.findingA.id}/mentionable?internal=true`)).status).toBe(403);
    expect((await as.analyst.get(`/api/findings/${w.findingA.id}/mentionable?internal=maybe`)).status).toBe(400);
  });
});

describe('rate limit', () => {
  it('answers 429 rate_limited (with Retry-After) past the burst, and a refused send writes nothing', async () => {
    const me = await agentsOf(app, w);
    const marker = `burst-${cmid()}`;
    const answers = [];
    for (let i = 0; i < app.config.messageBurst + 5; i++) answers.push(await postComment(me.managerA, w.findingA.id, `${marker} ${i}`));
    const refused = answers.filter((r) => r.status === 429);
    expect(refused.length).toBeGreaterThan(0);
    expect(refused[0]!.body.error.code).toBe('rate_limited');
    expect(refused[0]!.headers.get('retry-after')).toMatch(/^\d+$/);
    const written = await app.db.selectFrom('comments').select('id').where('body', 'like', `${marker}%`).execute();
    expect(written.length).toBe(answers.filter((r) => r.status === 201).length);
  });
});
