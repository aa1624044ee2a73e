import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Socket } from 'socket.io-client';
import type { FindingRow, UserRow } from '../../db/schema.js';
import type { TestApp } from '../support/app.js';
import { appWithSockets, ask, connected, connectSocket } from '../support/socket.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding, buildProject } from '../support/workspace.js';
import { PAGE_VIEW_REPEAT_MS, PAGE_VIEWS_PER_HOUR } from '../../server/contracts/page-routes.js';

/**
 * Page views (issue 15, point 11) over real socket.io clients: the SPA reports the page it shows
 * with `page:view`; only real pages of the viewer's kind, naming objects the viewer may see, are
 * recorded, as browser-reported `page.viewed` rows, at most one per page per minute per session
 * and PAGE_VIEWS_PER_HOUR an hour; the rest are counted. Runs on SQLite and (TEST_DATABASE=postgres) PostgreSQL.
 */

let app: TestApp;
let w: Awaited<ReturnType<typeof world>>;

async function world(a: TestApp) {
  const clientA = await buildClient(a.db);
  const clientB = await buildClient(a.db);
  const findingA = await buildFinding(a.db, { client_id: clientA.id, published: true });
  return {
    clientA,
    clientB,
    findingA,
    draftA: await buildFinding(a.db, { client_id: clientA.id }),
    findingB: await buildFinding(a.db, { client_id: clientB.id, published: true }),
    projectA: await a.db.selectFrom('projects').selectAll().where('id', '=', findingA.project_id).executeTakeFirstOrThrow(),
    managerA: await buildPortalUser(a.db, { client_id: clientA.id, role: 'manager' }),
    analyst: await buildStaff(a.db),
  };
}

// Sessions stay idle-valid across the hour the cap test moves the clock by.
const open = appWithSockets(
  async (a) => {
    app = a;
    w = await world(a);
  },
  { SESSION_IDLE_MINUTES: '240' },
);

async function socketOf(user: UserRow, userAgent = 'vitest-page-views'): Promise<Socket> {
  const s = connectSocket(app, await signIn(app, user), { headers: { 'user-agent': userAgent } });
  open.push(s);
  return connected(s);
}

const view = (s: Socket, route: string, params: Record<string, string> = {}, timeoutMs = 5000) => ask(s, 'page:view', { route, params }, timeoutMs);
const rowsOf = (actorId: string, action = 'page.viewed') =>
  app.db.selectFrom('audit_events').selectAll().where('actor_id', '=', actorId).where('action', '=', action).orderBy('id').execute();
const allRowsOf = (actorId: string) => app.db.selectFrom('audit_events').select(['action']).where('actor_id', '=', actorId).execute();

describe('page:view', () => {
  it('refuses a socket without a session (nothing to report as)', async () => {
    const s = connectSocket(app, null);
    open.push(s);
    await expect(connected(s)).rejects.toThrow();
  });

  it('records one complete, browser-reported row for a page the viewer may see', async () => {
    const s = await socketOf(w.managerA, 'Mozilla/5.0 page-view-test');
    const answer = await view(s, '/portal/findings/[id]', { id: w.findingA.id });
    expect(answer).toEqual({ ok: true, recorded: true });
    const [row, ...more] = await rowsOf(w.managerA.id);
    expect(more).toEqual([]);
    expect(row).toMatchObject({
      action: 'page.viewed',
      outcome: 'success',
      source: 'browser',
      actor_kind: 'portal',
      actor_email: w.managerA.email,
      client_id: w.clientA.id,
      target_type: 'finding',
      target_id: w.findingA.id,
      user_agent: 'Mozilla/5.0 page-view-test',
    });
    expect(row!.ip).toBeTruthy();
    expect(row!.request_id).toMatch(new RegExp(`^${s.id}:`));
    expect(JSON.parse(row!.details!)).toEqual({ route: '/portal/findings/[id]' });
    // A page without an object (the dashboard) names no target.
    expect(await view(s, '/portal')).toEqual({ ok: true, recorded: true });
    const dash = (await rowsOf(w.managerA.id)).at(-1)!;
    expect([dash.target_type, dash.target_id, dash.client_id]).toEqual([null, null, w.clientA.id]);
  });

  it("staff pages name the object's client; a portal user can't report a staff page, nor staff a portal page", async () => {
    const staff = await socketOf(w.analyst);
    expect(await view(staff, '/staff/projects/[id]', { id: w.projectA.id })).toEqual({ ok: true, recorded: true });
    const [row] = await rowsOf(w.analyst.id);
    expect(row).toMatchObject({ actor_kind: 'staff', client_id: w.clientA.id, target_type: 'project', target_id: w.projectA.id, source: 'browser' });
    const portalAnswer = await view(await socketOf(w.managerA), '/staff/findings/[id]', { id: w.findingA.id });
    expect(portalAnswer.error.code).toBe('bad_request');
    expect((await view(staff, '/portal/reports')).error.code).toBe('bad_request');
    expect(await rowsOf(w.analyst.id)).toHaveLength(1);
  });

  it("refuses another client's finding, a draft, an unknown route and wrong parameters: error ack, no row of any kind", async () => {
    const user = await buildPortalUser(app.db, { client_id: w.clientA.id, role: 'manager' });
    const s = await socketOf(user);
    const refusals = [
      [await view(s, '/portal/findings/[id]', { id: w.findingB.id }), 'not_found'],
      [await view(s, '/portal/findings/[id]', { id: w.draftA.id }), 'not_found'],
      [await view(s, '/portal/findings/[id]', { id: randomUUID() }), 'not_found'],
      [await view(s, '/portal/secret-admin'), 'bad_request'],
      [await view(s, '/(app)/portal'), 'bad_request'],
      [await view(s, '/portal/findings/[id]', {}), 'bad_request'],
      [await view(s, '/portal/findings/[id]', { id: w.findingA.id, extra: 'x' }), 'bad_request'],
      [await view(s, '/portal', { id: w.findingA.id }), 'bad_request'],
      [await ask(s, 'page:view', { route: '/portal' }), 'validation_failed'],
      [await ask(s, 'page:view', { route: '/portal', params: {}, more: 1 }), 'validation_failed'],
      [await ask(s, 'page:view', { route: 'x'.repeat(201), params: {} }), 'validation_failed'],
    ] as const;
    for (const [answer, code] of refusals) expect(answer, JSON.stringify(answer)).toMatchObject({ ok: false, error: { code } });
    expect(await allRowsOf(user.id)).toEqual([]);
  });

  it('keeps one row per page per minute per session; a new minute records it again', async () => {
    const user = await buildPortalUser(app.db, { client_id: w.clientA.id, role: 'viewer' });
    const s = await socketOf(user);
    expect(await view(s, '/portal/projects/[id]', { id: w.projectA.id })).toEqual({ ok: true, recorded: true });
    expect(await view(s, '/portal/projects/[id]', { id: w.projectA.id })).toEqual({ ok: true, recorded: false, reason: 'repeat' });
    expect(await view(s, '/portal/projects')).toEqual({ ok: true, recorded: true }); // another page
    // A second tab is another socket of the same session: the same minute.
    const tab = connectSocket(app, null, { cookie: (s.io.opts.extraHeaders as Record<string, string>).cookie });
    open.push(tab);
    await connected(tab);
    expect(await view(tab, '/portal/projects/[id]', { id: w.projectA.id })).toEqual({ ok: true, recorded: false, reason: 'repeat' });
    app.clock.advance(PAGE_VIEW_REPEAT_MS);
    expect(await view(s, '/portal/projects/[id]', { id: w.projectA.id })).toEqual({ ok: true, recorded: true });
    expect((await rowsOf(user.id)).map((r) => r.target_id)).toEqual([w.projectA.id, null, w.projectA.id]);
  });

  it(`1,000 reports in 10 s from one session: ${PAGE_VIEWS_PER_HOUR} rows at most, the rest counted and written once when the next hour opens`, async () => {
    const user = await buildPortalUser(app.db, { client_id: w.clientA.id, role: 'manager' });
    const findings = await manyFindings(w.clientA.id, 350);
    const s = await socketOf(user);
    const started = Date.now();
    // 1,000 reports: 350 different findings, then the same ones again (repeats within the minute).
    const answers = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => view(s, '/portal/findings/[id]', { id: findings[i % findings.length]!.id }, 120_000)),
    );
    const took = Date.now() - started;
    expect(took).toBeLessThan(PAGE_VIEW_REPEAT_MS); // all within one minute, so the repeat rule applies to every second report of a page
    const recorded = answers.filter((a) => a.ok && a.recorded).length;
    const repeats = answers.filter((a) => a.ok && a.reason === 'repeat').length;
    const overCap = answers.filter((a) => a.ok && a.reason === 'over_cap').length;
    expect({ recorded, repeats, overCap }).toEqual({ recorded: PAGE_VIEWS_PER_HOUR, repeats: 650, overCap: 50 });
    expect(await rowsOf(user.id)).toHaveLength(PAGE_VIEWS_PER_HOUR);
    expect(await rowsOf(user.id, 'page.views_dropped')).toEqual([]);
    // The counts are kept in the database (any instance reads the same budget)...
    const budget = await app.db
      .selectFrom('page_view_budgets')
      .selectAll()
      .innerJoin('sessions', 'sessions.id', 'page_view_budgets.session_id')
      .where('sessions.user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    expect([Number(budget.recorded), Number(budget.repeats), Number(budget.over_cap)]).toEqual([PAGE_VIEWS_PER_HOUR, 650, 50]);
    // ...and written as one row when the session's next hour opens, with that view recorded.
    app.clock.advance(3_600_000);
    expect(await view(s, '/portal/findings')).toEqual({ ok: true, recorded: true });
    const [dropped, ...more] = await rowsOf(user.id, 'page.views_dropped');
    expect(more).toEqual([]);
    expect(dropped).toMatchObject({ source: 'browser', actor_kind: 'portal', client_id: w.clientA.id, target_type: 'session' });
    expect(JSON.parse(dropped!.details!)).toMatchObject({ repeats: 650, overCap: 50 });
    expect(await rowsOf(user.id)).toHaveLength(PAGE_VIEWS_PER_HOUR + 1);
  }, 180_000);

  it('a session that ends takes its throttle state with it', async () => {
    const user = await buildPortalUser(app.db, { client_id: w.clientA.id, role: 'viewer' });
    const s = await socketOf(user);
    await view(s, '/portal');
    const session = await app.db.selectFrom('sessions').select('id').where('user_id', '=', user.id).executeTakeFirstOrThrow();
    await app.db.deleteFrom('sessions').where('id', '=', session.id).execute();
    const left = await app.db.selectFrom('page_view_marks').select('page').where('session_id', '=', session.id).execute();
    expect(left).toEqual([]);
    expect(await app.db.selectFrom('page_view_budgets').select('recorded').where('session_id', '=', session.id).execute()).toEqual([]);
  });
});

/** `n` published findings of a client in one project, written in bulk. */
async function manyFindings(clientId: string, n: number): Promise<FindingRow[]> {
  const project = await buildProject(app.db, { client_id: clientId });
  const template = await buildFinding(app.db, { project_id: project.id, published: true });
  const { id: _id, ...rest } = template;
  const rows = Array.from({ length: n - 1 }, () => ({ ...rest, id: randomUUID() }));
  for (let i = 0; i < rows.length; i += 100)
    await app.db
      .insertInto('findings')
      .values(rows.slice(i, i + 100))
      .execute();
  return [template, ...rows.map((r) => ({ ...template, id: r.id }))];
}
