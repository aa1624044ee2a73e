import { describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app.js';
import { appWithSockets, feedSocket, recordAll, until } from '../support/socket.js';
import { publishedFinding, remediationWorld, type RemediationWorld } from '../support/remediation.js';

/**
 * The remediation loop over HTTP, watched by real sockets: staff, client A's Manager and Viewer,
 * and client B's Manager. Every step reaches A's sockets and staff; nothing reaches B's; the
 * team member gets the submission's notification live and the Managers the verdict's.
 */
let app: TestApp;
let w: RemediationWorld;
const open = appWithSockets(async (a) => {
  app = a;
  w = await remediationWorld(app);
});

describe('remediation events', () => {
  it('the loop reaches staff and client A (with notifications), never client B; no internal note on a portal socket', async () => {
    const f = await publishedFinding(app, w.project, { title: 'Live loop', internal_notes: 'INTERNAL-CANARY-7' });
    const [staff, manager, viewer, other] = await Promise.all([
      feedSocket(app, w.as.analyst),
      feedSocket(app, w.as.managerA),
      feedSocket(app, w.as.viewerA),
      feedSocket(app, w.as.managerB),
    ]);
    open.push(staff.socket, manager.socket, viewer.socket, other.socket);
    const [rs, rm, rv, rb] = [recordAll(staff.socket), recordAll(manager.socket), recordAll(viewer.socket), recordAll(other.socket)];

    const steps: [typeof w.as.analyst, string, unknown, string][] = [
      [w.as.managerA, 'submit', { notes: 'Patched.' }, 'pending_verification'],
      [w.as.analyst, 'verdict', { verdict: 'not_fixed', notes: 'Still there.' }, 'not_fixed'],
      [w.as.managerA, 'submit', { notes: 'Patched again.' }, 'pending_verification'],
      [w.as.analyst, 'verdict', { verdict: 'partially_fixed', notes: 'Half.' }, 'partially_fixed'],
      [w.as.manager2A, 'submit', { notes: 'All of it now.' }, 'pending_verification'],
      [w.as.admin, 'verdict', { verdict: 'verified_fixed' }, 'verified_fixed'],
    ];
    for (const [i, [agent, action, body, expected]] of steps.entries()) {
      const res = await agent.post(`/api/findings/${f.id}/remediation/${action}`, body);
      expect(res.status, res.text).toBe(200);
      // Each step arrives, in order, as the finding is now, on staff and both of A's sockets.
      for (const r of [rs, rm, rv]) {
        await until(() => r.ofType('remediation:updated').filter((e) => e.data.id === f.id).length === i + 1, `step ${i + 1} pushed`);
      }
      expect(rv.ofType('remediation:updated').at(-1).data).toMatchObject({ id: f.id, status: expected });
    }
    const positions = rv.ofType('remediation:updated').map((e) => e.position);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);

    // Notifications: the team member for each submission, the Managers for each verdict.
    await until(() => rs.ofType('notification:created').length >= 3, 'team notified live');
    await until(() => rm.ofType('notification:created').length >= 3, 'Manager notified live');
    expect(rv.ofType('notification:created')).toEqual([]);

    await app.server.drain();
    expect(rb.events.filter(([e]) => e !== 'presence:changed')).toEqual([]);
    for (const r of [rm, rv]) expect(JSON.stringify(r.events)).not.toContain('INTERNAL-CANARY-7');
  });

  it('a retest request and its scheduling reach A and staff, not B', async () => {
    const f = await publishedFinding(app, w.project, { title: 'Retest live' });
    const [staff, viewer, other] = await Promise.all([feedSocket(app, w.as.analyst), feedSocket(app, w.as.viewerA), feedSocket(app, w.as.managerB)]);
    open.push(staff.socket, viewer.socket, other.socket);
    const [rs, rv, rb] = [recordAll(staff.socket), recordAll(viewer.socket), recordAll(other.socket)];
    const req = await w.as.managerA.post('/api/retests', { findingIds: [f.id], message: 'Please retest.' });
    expect(req.status, req.text).toBe(201);
    await until(() => rs.ofType('remediation:updated').length === 1 && rv.ofType('remediation:updated').length === 1, 'retest pushed');
    await until(() => rs.ofType('notification:created').some((n) => JSON.stringify(n).includes('retest')), 'staff told about the retest');
    expect((await w.as.analyst.patch(`/api/retests/${req.body.retest.id}`, { status: 'scheduled' })).status).toBe(200);
    await until(() => rv.ofType('remediation:updated').length === 2, 'scheduling pushed');
    await app.server.drain();
    expect(rb.events.filter(([e]) => e !== 'presence:changed')).toEqual([]);
  });
});
