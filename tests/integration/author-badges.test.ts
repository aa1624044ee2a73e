import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { agentsOf, buildCommentWorld, mention, postComment, type CommentWorld } from '../support/comments.js';
import { cmid } from '../support/chat.js';
import { Agent } from '../support/http.js';

/**
 * Client authors badged with their organisation on the staff side (issue 18, point 19): staff
 * payloads name a client author's organisation (`author.org`, `actorOrg`); the firm's people carry
 * none; portal payloads never carry the key, and another client's people get 404 with no name.
 */

let app: TestApp;
let w: CommentWorld;
let as: Awaited<ReturnType<typeof agentsOf>>;
beforeAll(async () => {
  app = await startTestApp();
  w = await buildCommentWorld(app.db);
  as = await agentsOf(app, w);
});
afterAll(() => app.close());

const orgKeys = (v: unknown): string[] => JSON.stringify(v).match(/"(org|actorOrg)":/g) ?? [];

describe('comments', () => {
  it('staff see the client author’s organisation and none on staff authors; the portal never gets the key', async () => {
    expect((await postComment(as.collaboratorA, w.findingA.id, 'Fixed on our side, please retest.')).status).toBe(201);
    expect((await postComment(as.analyst, w.findingA.id, 'Thanks, on it.')).status).toBe(201);

    const staff = await as.analyst.get(`/api/findings/${w.findingA.id}/comments`);
    expect(staff.status).toBe(200);
    const byName = (list: { author: { name: string; org?: string } }[], name: string) => list.find((c) => c.author.name === name)!.author;
    expect(byName(staff.body.comments, w.collaboratorA.name)).toEqual({ id: w.collaboratorA.id, name: w.collaboratorA.name, kind: 'portal', org: w.a.name });
    expect(byName(staff.body.comments, w.analyst.name)).toEqual({ id: w.analyst.id, name: w.analyst.name, kind: 'staff' });

    const portal = await as.viewerA.get(`/api/findings/${w.findingA.id}/comments`);
    expect(portal.status).toBe(200);
    expect(portal.body.comments).toHaveLength(2);
    expect(orgKeys(portal.body)).toEqual([]);

    // Another client's Manager: 404, and nothing of client A in the answer.
    const other = await as.userB.get(`/api/findings/${w.findingA.id}/comments`);
    expect(other.status).toBe(404);
    expect(JSON.stringify(other.body)).not.toContain(w.a.name);
    expect((await new Agent(app.url).get(`/api/findings/${w.findingA.id}/comments`)).status).toBe(401);
  });

  it('a staff notification names the acting client user’s organisation; a client’s does not', async () => {
    expect((await postComment(as.collaboratorA, w.findingA.id, `Could ${mention(w.analyst)} look?`)).status).toBe(201);
    const staff = await as.analyst.get('/api/notifications');
    const item = staff.body.notifications.find((n: { kind: string }) => n.kind === 'mention');
    expect(item.actorOrg).toBe(w.a.name);

    expect((await postComment(as.analyst, w.findingA.id, `${mention(w.managerA)} it is fixed.`)).status).toBe(201);
    const portal = await as.managerA.get('/api/notifications');
    expect(portal.body.notifications.length).toBeGreaterThan(0);
    expect(orgKeys(portal.body)).toEqual([]);
  });
});

describe('chat', () => {
  it('staff history badges the client author; the client’s own history has no key; another client gets 404', async () => {
    await app.db
      .updateTable('clients')
      .set({ modules: JSON.stringify({ chat: true }) })
      .where('id', '=', w.a.id)
      .execute();
    const sent = await as.managerA.post(`/api/chat/${w.a.id}/messages`, { body: 'Hello from the client', clientMessageId: cmid() });
    expect(sent.status).toBe(201);
    // The sender's own answer is a portal payload: no organisation.
    expect(orgKeys(sent.body)).toEqual([]);
    expect((await as.analyst.post(`/api/chat/${w.a.id}/messages`, { body: 'Hello from the firm', clientMessageId: cmid() })).status).toBe(201);

    const staff = await as.analyst.get(`/api/chat/${w.a.id}/messages`);
    expect(staff.status).toBe(200);
    const authors = staff.body.messages.map((m: { author: unknown }) => m.author);
    expect(authors).toContainEqual({ id: w.managerA.id, name: w.managerA.name, kind: 'portal', org: w.a.name });
    expect(authors).toContainEqual({ id: w.analyst.id, name: w.analyst.name, kind: 'staff' });

    const portal = await as.collaboratorA.get(`/api/chat/${w.a.id}/messages`);
    expect(portal.status).toBe(200);
    expect(portal.body.messages).toHaveLength(2);
    expect(orgKeys(portal.body)).toEqual([]);

    const other = await as.userB.get(`/api/chat/${w.a.id}/messages`);
    expect(other.status).toBe(404);
    expect(JSON.stringify(other.body)).not.toContain(w.a.name);
  });
});
