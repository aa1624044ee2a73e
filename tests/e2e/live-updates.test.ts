import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { artifact, publishOnPage, signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { buildFinding, buildProject } from '../support/workspace.js';

/**
 * Issue 5 items 6 and 9 in Chromium, two people side by side: an analyst publishes a finding and
 * changes its status while a client user has the project page, then the finding page open; the
 * client's pages change without a reload and the bell shows the notification. The client's
 * network is cut: the connection indicator says so, and the changes made meanwhile arrive when it
 * is back.
 */
const t = useBrowserApp();

/** A marker that survives SPA navigation but not a reload: proves an update happened in place. */
const mark = (page: Page) => page.evaluate(() => ((window as unknown as { __kept: number }).__kept = 42));
const marked = (page: Page) => page.evaluate(() => (window as unknown as { __kept?: number }).__kept === 42);

describe('open pages follow what the firm does', () => {
  it('a client’s project and finding pages update live, the bell tells them, and a network cut catches up', async () => {
    const client = await buildClient(t.app.db, { name: 'Contoso' });
    const analyst = await buildStaff(t.app.db, { name: 'Sam Analyst' });
    const project = await buildProject(t.app.db, { client_id: client.id, name: 'External test', team: [analyst.id] });
    const finding = await buildFinding(t.app.db, { project_id: project.id, title: 'Exposed admin panel', severity: 'critical' });
    const second = await buildFinding(t.app.db, { project_id: project.id, title: 'Verbose error pages', severity: 'low' });
    const staffAgent = await signIn(t.app, analyst);
    const userAgent = await signIn(t.app, await buildPortalUser(t.app.db, { client_id: client.id, name: 'Casey Client', role: 'collaborator' }));

    const staffCtx = await signedInContext(t.browser, t.app.url, staffAgent);
    const userCtx = await signedInContext(t.browser, t.app.url, userAgent);
    const staff = await staffCtx.newPage();
    const user = await userCtx.newPage();
    const staffErrors = watchErrors(staff);
    const userErrors = watchErrors(user);

    // The client has the project page open; nothing is published yet.
    await user.goto(`${t.app.url}/portal/projects/${project.id}`);
    await user.getByText('No findings have been published for this project yet.').waitFor();
    await user.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    await user.getByRole('button', { name: 'Notifications, none unread' }).waitFor();
    await mark(user);

    // The analyst publishes from the finding page.
    await staff.goto(`${t.app.url}/staff/findings/${finding.id}`);
    await publishOnPage(staff);

    // The client's page shows it without a reload, and the bell counts it.
    await user.getByRole('link', { name: 'Exposed admin panel' }).waitFor({ timeout: 10_000 });
    await user.getByRole('button', { name: 'Notifications, 1 unread' }).waitFor();
    expect(await marked(user)).toBe(true);
    await user.getByRole('button', { name: 'Notifications, 1 unread' }).click();
    const panel = user.getByRole('dialog', { name: 'Notifications' });
    await panel.getByRole('link', { name: /New finding published: Exposed admin panel/ }).waitFor();
    await user.screenshot({ path: artifact('live-bell-desktop.png') });
    await user.keyboard.press('Escape');
    await panel.waitFor({ state: 'hidden' });

    // The client opens the finding (from the notification's target page); the analyst changes its status.
    await user.getByRole('link', { name: 'Exposed admin panel', exact: true }).click();
    await user.getByRole('heading', { level: 1, name: 'Exposed admin panel' }).waitFor();
    await mark(user);
    await staff.getByRole('button', { name: 'Change status' }).first().click();
    const dialog = staff.getByRole('dialog');
    await dialog.getByLabel('New status').click();
    await staff.getByRole('option', { name: 'Risk accepted', exact: true }).click();
    await dialog.getByRole('button', { name: 'Change status' }).click();
    await dialog.waitFor({ state: 'hidden' });
    await user.locator('.head').getByText('Risk accepted', { exact: true }).waitFor({ timeout: 10_000 });
    expect(await marked(user)).toBe(true);

    // The network goes: the indicator says so. The analyst renames the finding meanwhile.
    await userCtx.setOffline(true);
    await user
      .getByRole('status')
      .filter({ hasText: /Offline|Reconnecting/ })
      .waitFor({ timeout: 10_000 });
    await user.screenshot({ path: artifact('live-offline-desktop.png') });
    const cur = await staffAgent.get(`/api/findings/${finding.id}`);
    const renamed = await staffAgent.patch(`/api/findings/${finding.id}`, { title: 'Exposed admin panel on port 8443', version: cur.body.finding.version });
    expect(renamed.status, renamed.text).toBe(200);
    expect((await staffAgent.post(`/api/findings/${second.id}/publish`, { confirm: true })).status).toBe(200);
    await user.waitForTimeout(500);
    expect(await user.getByRole('heading', { level: 1 }).textContent()).toBe('Exposed admin panel');

    // Back online: Live again, and the missed change is applied in place.
    await userCtx.setOffline(false);
    await user.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });
    await user.getByRole('heading', { level: 1, name: 'Exposed admin panel on port 8443' }).waitFor({ timeout: 10_000 });
    expect(await marked(user)).toBe(true);
    // The notification that came while the tab was offline shows in the bell.
    await user.getByRole('button', { name: 'Notifications, 2 unread' }).waitFor({ timeout: 10_000 });
    await user.screenshot({ path: artifact('live-finding-desktop.png'), fullPage: true });

    // The notifications page lists it; opening the bell's item marked it read.
    await user.goto(`${t.app.url}/notifications`);
    await user.getByRole('heading', { level: 1, name: 'Notifications' }).waitFor();
    await user.getByRole('link', { name: /New finding published: Exposed admin panel/ }).waitFor();
    await user.getByRole('link', { name: /New finding published: Verbose error pages/ }).waitFor();
    await user.getByRole('button', { name: 'Mark all read' }).click();
    await user.getByRole('button', { name: 'Notifications, none unread' }).waitFor();
    await user.screenshot({ path: artifact('live-notifications-page.png'), fullPage: true });

    // At 390 px: the bell in the top bar, the panel fits the screen.
    await user.setViewportSize({ width: 390, height: 844 });
    await user.goto(`${t.app.url}/portal/findings/${finding.id}`);
    await user.getByRole('heading', { level: 1, name: 'Exposed admin panel on port 8443' }).waitFor();
    await user.getByRole('button', { name: /^Notifications,/ }).click();
    await user
      .getByRole('dialog', { name: 'Notifications' })
      .getByRole('link', { name: /New finding published: Verbose error pages/ })
      .waitFor();
    const box = (await user.getByRole('dialog', { name: 'Notifications' }).boundingBox())!;
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.x + box.width).toBeLessThanOrEqual(390);
    await user.screenshot({ path: artifact('live-bell-390.png') });
    await user.keyboard.press('Escape');

    // The firm withdraws it: the open page ends instead of showing stale content.
    await staff.getByRole('button', { name: 'Unpublish' }).click();
    await user.getByRole('heading', { name: 'This finding was withdrawn' }).waitFor({ timeout: 10_000 });
    await user.screenshot({ path: artifact('live-withdrawn-390.png'), fullPage: true });

    expect(staffErrors).toEqual([]);
    // The only error allowed is the browser's own report of the reconnection attempts while the network was cut.
    expect(userErrors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED'))).toEqual([]);
    await staffCtx.close();
    await userCtx.close();
  });

  it('a change made between a page’s read and its live connection still reaches the page', async () => {
    const client = await buildClient(t.app.db);
    const analyst = await buildStaff(t.app.db);
    const project = await buildProject(t.app.db, { client_id: client.id, name: 'Internal test', team: [analyst.id] });
    const finding = await buildFinding(t.app.db, { project_id: project.id, title: 'Kerberoastable service account', severity: 'high' });
    const staffAgent = await signIn(t.app, analyst);
    const userCtx = await signedInContext(t.browser, t.app.url, await signIn(t.app, await buildPortalUser(t.app.db, { client_id: client.id })));
    // The page's live connection waits at the door until the analyst has published.
    let open!: () => void;
    const door = new Promise<void>((r) => (open = r));
    await userCtx.routeWebSocket(/\/socket\.io\//, async (ws) => {
      await door;
      ws.connectToServer();
    });
    const user = await userCtx.newPage();
    const errors = watchErrors(user);
    await user.goto(`${t.app.url}/portal/projects/${project.id}`);
    await user.getByText('No findings have been published for this project yet.').waitFor();

    expect((await staffAgent.post(`/api/findings/${finding.id}/publish`, { confirm: true })).status).toBe(200);
    await t.app.server.drain(); // pushed to the feed (and so part of its position) before the page connects
    open();
    await user.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 10_000 });
    await user.getByRole('link', { name: 'Kerberoastable service account' }).waitFor({ timeout: 10_000 });
    expect(errors).toEqual([]);
    await userCtx.close();
  });

  it('a live refresh cut off by the network keeps the page as it was, and reads again once the connection is back', async () => {
    const client = await buildClient(t.app.db);
    const analyst = await buildStaff(t.app.db);
    const project = await buildProject(t.app.db, { client_id: client.id, team: [analyst.id] });
    const finding = await buildFinding(t.app.db, { project_id: project.id, title: 'Weak TLS configuration', severity: 'medium' });
    const staffAgent = await signIn(t.app, analyst);
    expect((await staffAgent.post(`/api/findings/${finding.id}/publish`, { confirm: true })).status).toBe(200);
    const userCtx = await signedInContext(t.browser, t.app.url, await signIn(t.app, await buildPortalUser(t.app.db, { client_id: client.id })));
    const user = await userCtx.newPage();
    const errors = watchErrors(user);
    await user.goto(`${t.app.url}/portal/findings/${finding.id}`);
    await user.getByRole('heading', { level: 1, name: 'Weak TLS configuration' }).waitFor();
    await user.getByRole('status').filter({ hasText: 'Live' }).waitFor();

    // The page's next read of the finding is held until the network is gone, then fails as a cut would.
    let cut!: () => void;
    const networkGone = new Promise<void>((r) => (cut = r));
    let held!: () => void;
    const readHeld = new Promise<void>((r) => (held = r));
    let failed!: () => void;
    const readFailed = new Promise<void>((r) => (failed = r));
    const url = `${t.app.url}/api/portal/findings/${finding.id}`;
    await user.route(url, async (route) => {
      held();
      await networkGone;
      await route.abort('internetdisconnected');
      failed();
    });
    expect((await staffAgent.post(`/api/findings/${finding.id}/status`, { status: 'risk_accepted', note: '' })).status).toBe(200);
    await readHeld;
    await userCtx.setOffline(true);
    await user
      .getByRole('status')
      .filter({ hasText: /Offline|Reconnecting/ })
      .waitFor({ timeout: 10_000 });
    cut();
    await readFailed;
    await user.unroute(url);
    await user.waitForTimeout(500);
    // Still the finding (as last read), not an error in its place.
    await user.getByRole('heading', { level: 1, name: 'Weak TLS configuration' }).waitFor({ timeout: 1_000 });
    expect(await user.getByRole('alert').count()).toBe(0);
    await user.screenshot({ path: artifact('live-refresh-cut-offline.png'), fullPage: true });

    // Back online: the read is made again and the change shows, without a reload.
    await userCtx.setOffline(false);
    await user.getByRole('status').filter({ hasText: 'Live' }).waitFor({ timeout: 15_000 });
    await user.locator('.head').getByText('Risk accepted', { exact: true }).waitFor({ timeout: 10_000 });
    expect(errors.filter((e) => !e.includes('ERR_INTERNET_DISCONNECTED'))).toEqual([]);
    await userCtx.close();
  });

  it('a removed portal user’s open page ends at the sign-in page', async () => {
    const client = await buildClient(t.app.db);
    const manager = await signIn(t.app, await buildPortalUser(t.app.db, { client_id: client.id, role: 'manager' }));
    const victim = await buildPortalUser(t.app.db, { client_id: client.id });
    const ctx = await signedInContext(t.browser, t.app.url, await signIn(t.app, victim));
    const page = await ctx.newPage();
    await page.goto(`${t.app.url}/portal/projects`);
    await page.getByRole('status').filter({ hasText: 'Live' }).waitFor();
    const res = await manager.post(`/api/portal/users/${victim.id}/remove`);
    expect(res.status, res.text).toBeLessThan(300);
    await page.waitForURL(/\/login/, { timeout: 10_000 });
    await ctx.close();
  });
});
