import { describe, expect, it } from 'vitest';
import { appendEvent, latestPosition } from '../../server/events/log.js';
import { appOn, DATABASES } from '../support/app.js';
import { buildClient, buildStaff, signIn } from '../support/factories.js';
import { feedSocket, recordAll, until } from '../support/socket.js';
import { buildFinding } from '../support/workspace.js';

/**
 * The event log's positions are dense and in commit order on both databases (db/dialect.ts,
 * `lockEventLog`): a transaction that appended first and commits last must not be skipped by the
 * live feed (which sends what is above the last position it sent) nor by catch-up. On SQLite one
 * connection orders every transaction; on PostgreSQL the writers of the log take one lock. Seen
 * failing on PostgreSQL with the lock taken out: the held event never reached the live socket.
 */
describe.each(DATABASES)('the event log on %s', (name) => {
  const on = appOn(name);

  it('a transaction that appended first and commits last still reaches the live socket and catch-up, once, in order', async () => {
    const client = await buildClient(on.app.db);
    const finding = await buildFinding(on.app.db, { client_id: client.id, title: 'Second writer' });
    const staff = await signIn(on.app, await buildStaff(on.app.db));
    const live = await feedSocket(on.app, staff);
    const seen = recordAll(live.socket);
    await on.app.server.drain();
    const from = await latestPosition(on.app.db);

    // The first writer appends and holds its transaction open.
    let release = () => {};
    const held = new Promise<void>((r) => (release = r));
    let appended = () => {};
    const hasAppended = new Promise<void>((r) => (appended = r));
    const first = on.app.db.transaction().execute(async (trx) => {
      await appendEvent(trx, { clientId: client.id, type: 'project:updated', audience: 'all', entityId: finding.project_id }, on.app.clock());
      appended();
      await held;
    });
    await hasAppended;
    // The second writer, a whole command over HTTP, tries to commit meanwhile.
    const second = staff.post(`/api/findings/${finding.id}/publish`, { confirm: true });
    await new Promise((r) => setTimeout(r, 300));
    release();
    await first;
    on.app.deps.bus.publish('events.appended', {});
    expect((await second).status).toBe(200);

    await until(() => seen.ofType('project:updated').length === 1 && seen.ofType('finding:published').length === 1, 'both events live', 5000);
    const held1 = seen.ofType('project:updated')[0];
    const published = seen.ofType('finding:published')[0];
    expect(held1.data.id).toBe(finding.project_id);
    expect(held1.position).toBeLessThan(published.position);
    const order = seen.events.filter(([e]) => e === 'project:updated' || e === 'finding:published').map(([e]) => e);
    expect(order).toEqual(['project:updated', 'finding:published']);

    const back = await feedSocket(on.app, staff, from);
    expect(back.answer.events.map((e: { type: string; position: number }) => [e.type, e.position])).toEqual([
      ['project:updated', held1.position],
      ['finding:published', published.position],
    ]);
    live.socket.close();
    back.socket.close();
  });
});
