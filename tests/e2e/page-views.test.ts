import { describe, expect, it } from 'vitest';
import { signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding } from '../support/workspace.js';
import { until } from '../support/socket.js';

/**
 * Page views in Chromium (issue 15, point 11): the signed-in SPA reports each page it shows,
 * first load and client-side navigations alike, and the server records them as browser-reported
 * rows naming the page's object; a page shown twice within a minute is recorded once.
 */

const t = useBrowserApp();
const SHOTS = '/tmp/shots-i15-record';

describe('page views from the browser', () => {
  it('a client’s person opening the portal and a finding, then going back and forth within the minute, leaves one browser-reported row per page', async () => {
    const { app, browser } = t;
    const client = await buildClient(app.db, { name: 'Contoso' });
    const finding = await buildFinding(app.db, { client_id: client.id, published: true, title: 'SQL injection in search' });
    const user = await buildPortalUser(app.db, { client_id: client.id, role: 'manager' });
    const ctx = await signedInContext(browser, app.url, await signIn(app, user), { viewport: { width: 1366, height: 900 } });
    ctx.setDefaultTimeout(8_000);
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    const rows = () =>
      app.db.selectFrom('audit_events').selectAll().where('actor_id', '=', user.id).where('action', '=', 'page.viewed').orderBy('id').execute();

    await page.goto(`${app.url}/portal`);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await until(async () => (await rows()).length === 1, 'the dashboard view');

    await page.goto(`${app.url}/portal/findings/${finding.id}`);
    await page.getByRole('heading', { name: 'SQL injection in search' }).waitFor();
    await until(async () => (await rows()).length === 2, 'the finding view');
    await page.screenshot({ path: `${SHOTS}/page-views-finding-1366.png`, fullPage: true });

    // A client-side navigation back to the dashboard, and again to the finding within the minute.
    await page.goBack();
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    await page.goForward();
    await page.getByRole('heading', { name: 'SQL injection in search' }).waitFor();
    await new Promise((r) => setTimeout(r, 1000));

    const recorded = await rows();
    expect(recorded.map((r) => [JSON.parse(r.details!).route, r.target_type, r.target_id])).toEqual([
      ['/portal', null, null],
      ['/portal/findings/[id]', 'finding', finding.id],
    ]);
    for (const r of recorded) expect(r).toMatchObject({ source: 'browser', actor_kind: 'portal', client_id: client.id, outcome: 'success' });
    expect(recorded[0]!.user_agent).toMatch(/Chrome/);
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('staff pages too, on a phone-sized screen', async () => {
    const { app, browser } = t;
    const client = await buildClient(app.db, { name: 'Globex' });
    const finding = await buildFinding(app.db, { client_id: client.id, title: 'Weak TLS configuration' });
    const staff = await buildStaff(app.db);
    const ctx = await signedInContext(browser, app.url, await signIn(app, staff), { viewport: { width: 390, height: 844 } });
    ctx.setDefaultTimeout(8_000);
    const page = await ctx.newPage();
    await page.goto(`${app.url}/staff/findings/${finding.id}`);
    await page.getByRole('heading', { name: 'Weak TLS configuration' }).first().waitFor();
    await until(
      async () =>
        !!(await app.db.selectFrom('audit_events').select('id').where('actor_id', '=', staff.id).where('target_id', '=', finding.id).executeTakeFirst()),
      'the staff finding view',
    );
    await page.screenshot({ path: `${SHOTS}/page-views-staff-390.png`, fullPage: true });
    const row = await app.db
      .selectFrom('audit_events')
      .selectAll()
      .where('actor_id', '=', staff.id)
      .where('action', '=', 'page.viewed')
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ source: 'browser', actor_kind: 'staff', client_id: client.id, target_type: 'finding', target_id: finding.id });
    await ctx.close();
  });
});
