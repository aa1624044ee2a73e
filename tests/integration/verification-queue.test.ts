import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app.js';
import { Agent } from '../support/http.js';
import { publishedFinding, remediationSnapshot, remediationWorld, type RemediationWorld } from '../support/remediation.js';

/**
 * Issue 18, point 14: a finding pending verification is in the verification queue once, with the
 * retest request it belongs to; the queue holds exactly what Home counts as waiting; and while a
 * round is open, "Change status" offers and makes no verdicts (the verdict route, which names the
 * round, is the one way to close it).
 */

let app: TestApp;
let w: RemediationWorld;
beforeAll(async () => {
  app = await startTestApp();
  w = await remediationWorld(app);
});
afterAll(async () => app?.close());

type Queue = { findingId: string; roundNo: number; retest: { id: string; message: string; status: string; requestedBy: string } | null }[];
const queueOf = async (agent: Agent): Promise<Queue> => {
  const res = await agent.get('/api/remediation/queue?limit=100');
  expect(res.status, res.text).toBe(200);
  return res.body.queue;
};
const mine = (q: Queue, ids: string[]) => q.filter((i) => ids.includes(i.findingId));

describe('the verification queue', () => {
  it('lists each waiting finding once, with its retest request attached, and equals the count Home shows', async () => {
    const submitted = await publishedFinding(app, w.project, { title: 'Submitted then retest requested' });
    const requested = await publishedFinding(app, w.project, { title: 'Retest requested directly' });
    const plain = await publishedFinding(app, w.project, { title: 'Submitted only' });
    const ids = [submitted.id, requested.id, plain.id];

    expect((await w.as.managerA.post(`/api/findings/${submitted.id}/remediation/submit`, { notes: 'Patched.' })).status).toBe(200);
    expect((await w.as.managerA.post(`/api/findings/${plain.id}/remediation/submit`, { notes: 'Config changed.' })).status).toBe(200);
    const retest = await w.as.managerA.post('/api/retests', { findingIds: [submitted.id, requested.id], message: 'Please retest both before Friday.' });
    expect(retest.status, retest.text).toBe(201);

    const q = mine(await queueOf(w.as.analyst), ids);
    expect(q.map((i) => i.findingId).sort()).toEqual([...ids].sort());
    const byId = new Map(q.map((i) => [i.findingId, i]));
    for (const id of [submitted.id, requested.id]) {
      expect(byId.get(id)!.retest).toMatchObject({
        id: retest.body.retest.id,
        message: 'Please retest both before Friday.',
        status: 'requested',
        requestedBy: w.managerA.name,
      });
    }
    expect(byId.get(plain.id)!.retest).toBeNull();

    // Old data with a second open round on one finding still lists it once: its newest round.
    const first = await app.db.selectFrom('remediation_rounds').selectAll().where('finding_id', '=', plain.id).executeTakeFirstOrThrow();
    await app.db
      .insertInto('remediation_rounds')
      .values({ ...first, id: randomUUID(), round_no: first.round_no + 1, submitted_at: first.submitted_at + 1 })
      .execute();
    const again = mine(await queueOf(w.as.analyst), [plain.id]);
    expect(again.map((i) => i.roundNo)).toEqual([first.round_no + 1]);

    // Home's "Waiting for verification" is the queue, for every staff member's reach.
    for (const agent of [w.as.admin, w.as.analyst]) {
      const summary = (await agent.get('/api/remediation/summary')).body.summary;
      expect((await queueOf(agent)).length).toBe(summary.pending);
    }
    // An archived client's waiting findings leave both.
    const other = await remediationWorld(app);
    const gone = await publishedFinding(app, other.project, { title: 'Archived client finding' });
    expect((await other.as.managerA.post(`/api/findings/${gone.id}/remediation/submit`, { notes: 'Done.' })).status).toBe(200);
    expect(mine(await queueOf(w.as.admin), [gone.id])).toHaveLength(1);
    await app.db.updateTable('clients').set({ archived_at: app.clock() }).where('id', '=', other.clientA.id).execute();
    expect(mine(await queueOf(w.as.admin), [gone.id])).toEqual([]);
    expect((await queueOf(w.as.admin)).length).toBe((await w.as.admin.get('/api/remediation/summary')).body.summary.pending);
  });

  it('is refused to anonymous and to every client role, and invalid paging is a clear 400', async () => {
    expect((await new Agent(app.url).get('/api/remediation/queue')).status).toBe(401);
    for (const agent of [w.as.managerA, w.as.collaboratorA, w.as.viewerA, w.as.managerB]) {
      expect([403, 404]).toContain((await agent.get('/api/remediation/queue')).status);
    }
    const bad = await w.as.analyst.get('/api/remediation/queue?limit=lots');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('validation_failed');
  });
});

describe('no verdicts through Change status while a round is open', () => {
  it('offers none, refuses one with the round named and changes nothing; the verdict route closes the round', async () => {
    const f = await publishedFinding(app, w.project, { title: 'Round open' });
    expect((await w.as.managerA.post(`/api/findings/${f.id}/remediation/submit`, { notes: 'Rotated the keys.' })).status).toBe(200);
    const rem = (await w.as.analyst.get(`/api/findings/${f.id}/remediation`)).body.remediation;
    expect(rem.can).toMatchObject({ verdict: true, statuses: [] });

    const before = await remediationSnapshot(app);
    for (const status of ['verified_fixed', 'not_fixed', 'partially_fixed'] as const) {
      const res = await w.as.analyst.post(`/api/findings/${f.id}/status`, { status, note: 'Looks fixed.' });
      expect(res.status).toBe(409);
      expect(res.body.error).toMatchObject({ code: 'conflict', details: { roundNo: 1 } });
      expect(res.body.error.message).toContain('Round 1 is open');
    }
    // Anonymous, another client's Manager and the finding's own Viewer: refused as before.
    expect((await new Agent(app.url).post(`/api/findings/${f.id}/status`, { status: 'verified_fixed', note: '' })).status).toBe(401);
    expect((await w.as.managerB.post(`/api/findings/${f.id}/status`, { status: 'verified_fixed', note: '' })).status).toBe(404);
    expect([403, 404]).toContain((await w.as.viewerA.post(`/api/findings/${f.id}/status`, { status: 'verified_fixed', note: '' })).status);
    expect((await w.as.analyst.post(`/api/findings/${f.id}/status`, { status: 'verified_fixed', note: 'x'.repeat(5000) })).status).toBe(400);
    expect(await remediationSnapshot(app)).toBe(before);

    const verdict = await w.as.analyst.post(`/api/findings/${f.id}/remediation/verdict`, { verdict: 'not_fixed', notes: 'Old key still accepted.' });
    expect(verdict.status, verdict.text).toBe(200);
    expect(verdict.body.remediation.rounds[0]).toMatchObject({ roundNo: 1, verdict: 'not_fixed' });
    // After the verdict, Change status offers the table's moves again.
    expect(verdict.body.remediation.can.statuses).toEqual(['pending_verification', 'risk_accepted', 'closed']);
  });
});
