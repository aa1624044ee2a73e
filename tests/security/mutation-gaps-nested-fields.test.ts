import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import type { Agent } from '../support/http.js';
import { keysIn } from '../support/portal.js';
import { postComment } from '../support/comments.js';
import { addStatusChange, buildFinding } from '../support/workspace.js';
import type { FindingRow, UserRow } from '../../db/schema.js';

/**
 * Staff-only fields NESTED inside payloads (server/visibility/fields.ts: statusChange.actorId,
 * comment.internal and comment.sharedAt) never reach the portal: the key is absent, not blanked,
 * while the staff payload of the same data carries it. A mutation check found no test failing
 * when these rules were loosened (the top-level fields were covered; the nested ones were not).
 */

let app: TestApp;
let analyst: UserRow;
let staff: Agent;
let portal: Agent;
let finding: FindingRow;

beforeAll(async () => {
  app = await startTestApp();
  const client = await buildClient(app.db);
  analyst = await buildStaff(app.db, { name: 'Hidden Hannah' });
  staff = await signIn(app, analyst);
  portal = await signIn(app, await buildPortalUser(app.db, { client_id: client.id, role: 'manager' }));
  finding = await buildFinding(app.db, { client_id: client.id, published: true, status: 'pending_verification' });
  await addStatusChange(app.db, finding.id, { from: 'open', to: 'pending_verification', note: 'Fix deployed.', actorId: analyst.id, at: Date.now() + 1 });
});
afterAll(() => app.close());

describe('status history entries', () => {
  it('carry actorId for staff, and no actorId key at all for the portal (the other fields alike)', async () => {
    const s = await staff.get(`/api/findings/${finding.id}`);
    expect(s.status).toBe(200);
    const staffEntry = s.body.finding.statusHistory.find((h: any) => h.note === 'Fix deployed.');
    expect(staffEntry).toEqual({
      from: 'open',
      to: 'pending_verification',
      note: 'Fix deployed.',
      at: expect.any(String),
      actorName: 'Hidden Hannah',
      actorId: analyst.id,
    });

    const p = await portal.get(`/api/portal/findings/${finding.id}`);
    expect(p.status).toBe(200);
    const history = p.body.finding.statusHistory;
    expect(history.length).toBeGreaterThanOrEqual(2);
    for (const h of history) expect(Object.keys(h).sort()).toEqual(['actorName', 'at', 'from', 'note', 'to']);
    const portalEntry = history.find((h: any) => h.note === 'Fix deployed.');
    expect(portalEntry).toEqual({ from: 'open', to: 'pending_verification', note: 'Fix deployed.', at: staffEntry.at, actorName: 'Hidden Hannah' });
    expect(keysIn(p.body).has('actorId')).toBe(false);
    expect(p.text).not.toContain(analyst.id);
  });
});

describe('a shared internal note', () => {
  let commentId: string;
  beforeAll(async () => {
    const created = await postComment(staff, finding.id, 'Was internal, now shared', { internal: true });
    expect(created.status).toBe(201);
    commentId = created.body.comment.id;
    const shared = await staff.post(`/api/comments/${commentId}/share`, {});
    expect(shared.status).toBe(200);
    expect(shared.body.comment.internal).toBe(false);
    expect(shared.body.comment.sharedAt).toEqual(expect.any(String));
  });

  it('shows staff when it was shared and that it is no longer internal', async () => {
    const s = await staff.get(`/api/findings/${finding.id}/comments`);
    expect(s.status).toBe(200);
    const c = s.body.comments.find((x: any) => x.id === commentId);
    expect(c.internal).toBe(false);
    expect(Date.parse(c.sharedAt)).not.toBeNaN();
    // shared_by is not in the visibility table at all: nobody gets it.
    expect(keysIn(s.body).has('sharedBy')).toBe(false);
  });

  it('reaches the portal without internal / sharedAt / sharedBy keys (absent, not blank)', async () => {
    const p = await portal.get(`/api/findings/${finding.id}/comments`);
    expect(p.status).toBe(200);
    const c = p.body.comments.find((x: any) => x.id === commentId);
    expect(c).toBeDefined();
    expect(c.body).toBe('Was internal, now shared');
    expect('internal' in c).toBe(false);
    expect('sharedAt' in c).toBe(false);
    const keys = keysIn(p.body);
    for (const k of ['internal', 'sharedAt', 'sharedBy']) expect(keys.has(k), k).toBe(false);
  });

  it('an internal note nobody shared is not in the portal thread at all', async () => {
    const note = await postComment(staff, finding.id, 'Still internal', { internal: true });
    expect(note.status).toBe(201);
    const p = await portal.get(`/api/findings/${finding.id}/comments`);
    expect(p.body.comments.map((x: any) => x.id)).not.toContain(note.body.comment.id);
    expect(p.text).not.toContain('Still internal');
  });
});
