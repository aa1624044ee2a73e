import { describe, expect, it } from 'vitest';
import { appendAuditRows, type UnchainedAuditRow } from '../../server/audit.js';
import type { TestApp } from '../support/app.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { appWithSockets, ask, connectSocket, connected, recordAll, until } from '../support/socket.js';

/**
 * The Audit page's live tail over real sockets (issue 15, point 12): an admin's socket receives
 * the new rows matching its filters, batched (at most one push a second), and nothing else; portal
 * sockets — a Manager's included — can never start it and receive no row; an analyst may tail only
 * while the firm allows it, and loses the tail when the firm switches it off.
 */

let app: TestApp;
const open = appWithSockets((a) => void (app = a));

type Row = Partial<UnchainedAuditRow>;
const row = (over: Partial<Row> & { action: string; target_id: string }) => ({
  at: Date.now(),
  outcome: 'success',
  source: 'server',
  actor_kind: 'portal',
  ...over,
});
const insert = (rows: Row[]) => appendAuditRows(app.db, rows);

async function sock(agent: Awaited<ReturnType<typeof signIn>>) {
  const s = connectSocket(app, agent);
  open.push(s);
  await connected(s);
  return s;
}

describe('audit:tail', () => {
  it('pushes an admin the new rows matching the filters, batched at most once a second; portal sockets get nothing', async () => {
    await buildFirm(app.db);
    const A = await buildClient(app.db, { name: 'Tail A' });
    const B = await buildClient(app.db, { name: 'Tail B' });
    const admin = await sock(await signIn(app, await buildStaff(app.db, { role: 'admin' })));
    const manager = await sock(await signIn(app, await buildPortalUser(app.db, { client_id: A.id, role: 'manager' })));
    const viewer = await sock(await signIn(app, await buildPortalUser(app.db, { client_id: A.id, role: 'viewer' })));
    const got = recordAll(admin);
    const managerGot = recordAll(manager);
    const viewerGot = recordAll(viewer);

    const start = await ask(admin, 'audit:tail', { on: true, filters: { clientId: A.id, action: 'auth.' } });
    expect(start.ok, JSON.stringify(start)).toBe(true);
    for (const s of [manager, viewer]) {
      const refused = await ask(s, 'audit:tail', { on: true, filters: {} });
      expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    }
    const bad = await ask(admin, 'audit:tail', { on: true, filters: { outcome: 'maybe' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'validation_failed' } });

    // 30 matching rows written in a burst, among rows of another client and another action.
    const burst = Array.from({ length: 30 }, (_, i) => row({ client_id: A.id, action: 'auth.login', target_id: `m${i}` }));
    await insert([
      ...burst,
      row({ client_id: B.id, action: 'auth.login', target_id: 'other-client' }),
      row({ client_id: A.id, action: 'chat.read', target_id: 'other-action' }),
    ]);
    await until(() => got.ofType('audit:rows').flatMap((p) => p.rows).length >= 30, 'the tail delivered the burst');
    const pushes = got.ofType('audit:rows');
    const delivered = pushes.flatMap((p: { rows: { targetId: string; clientName: string }[] }) => p.rows);
    expect(delivered.map((r: { targetId: string }) => r.targetId)).toEqual(burst.map((b) => b.target_id));
    expect(delivered[0]).toMatchObject({ clientName: 'Tail A', action: 'auth.login' });
    expect(pushes.length).toBeLessThanOrEqual(2); // batched: one push per second per socket

    // Next second's rows come in a later push; none of them twice.
    await insert([row({ client_id: A.id, action: 'auth.logout', target_id: 'later' })]);
    await until(() => got.ofType('audit:rows').flatMap((p) => p.rows).length === 31, 'the later row arrived');
    await new Promise((r) => setTimeout(r, 1500));
    expect(got.ofType('audit:rows').flatMap((p) => p.rows).length).toBe(31);

    // Stopped: nothing more.
    expect((await ask(admin, 'audit:tail', { on: false })).ok).toBe(true);
    await insert([row({ client_id: A.id, action: 'auth.login', target_id: 'after-stop' })]);
    await new Promise((r) => setTimeout(r, 1500));
    expect(got.ofType('audit:rows').flatMap((p) => p.rows).length).toBe(31);

    for (const g of [managerGot, viewerGot]) expect(g.events.filter(([e]) => e.startsWith('audit:'))).toEqual([]);
  });

  it('lets an analyst tail only while the firm allows it, and ends the tail when it stops allowing', async () => {
    const A = await buildClient(app.db, { name: 'Tail C' });
    const analystAgent = await signIn(app, await buildStaff(app.db, { role: 'analyst' }));
    const analyst = await sock(analystAgent);
    const got = recordAll(analyst);
    expect(await ask(analyst, 'audit:tail', { on: true })).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    await app.db.updateTable('firm').set({ analysts_read_audit: 1 }).execute();
    expect((await ask(analyst, 'audit:tail', { on: true, filters: { clientId: A.id } })).ok).toBe(true);
    await insert([row({ client_id: A.id, action: 'report.downloaded', target_id: 'seen' })]);
    await until(() => got.ofType('audit:rows').length === 1, 'the analyst got the row');

    await app.db.updateTable('firm').set({ analysts_read_audit: 0 }).execute();
    await insert([row({ client_id: A.id, action: 'report.downloaded', target_id: 'not-seen' })]);
    await until(() => got.ofType('audit:tail-ended').length === 1, 'the tail ended');
    await new Promise((r) => setTimeout(r, 1200));
    expect(got.ofType('audit:rows').flatMap((p) => p.rows.map((r: { targetId: string }) => r.targetId))).toEqual(['seen']);
  });
});
