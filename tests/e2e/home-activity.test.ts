import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { artifact, signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { buildFirm, buildStaff, signIn } from '../support/factories.js';
import { buildFinding, setClientModules } from '../support/workspace.js';
import { buildDashboardWorld, type DashboardWorld } from '../support/portal.js';
import type { UserRow } from '../../db/schema.js';

/**
 * Staff Home from a fresh install to a busy firm (next step, recent activity, projects needing
 * attention, counts equal to their lists), creating a project from the Projects page, styled file
 * and date fields, and the portal's Activity page (on: the feed, paged and live; off: its padlock).
 */

const t = useBrowserApp();
const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };
const SHOTS = process.env.SHOTS_DIR;
/** Screenshots go with the test's artifacts, and also to SHOTS_DIR when set (for people to look at). */
async function shot(page: Page, name: string) {
  await page.screenshot({ path: artifact(`home-${name}.png`), fullPage: true });
  if (SHOTS) await page.screenshot({ path: `${SHOTS}/${name}.png`, fullPage: true });
}
async function contextFor(user: UserRow, viewport = DESKTOP): Promise<BrowserContext> {
  const ctx = await signedInContext(t.browser, t.app.url, await signIn(t.app, user), { viewport });
  ctx.setDefaultTimeout(8_000);
  return ctx;
}
/** Pick `option` in the bits-ui select labelled `label` inside `scope`. */
async function choose(page: Page, label: string, option: string) {
  await page.getByRole('dialog').getByLabel(label).click();
  await page.getByRole('option', { name: option }).click();
}

let admin: UserRow;
let w: DashboardWorld;
let other: DashboardWorld;

describe('staff Home, Projects and the portal Activity page', () => {
  it('a fresh install: Home shows the next step, then the first project; no zero-filled cards', async () => {
    await buildFirm(t.app.db, { name: 'Northwind Security' });
    admin = await buildStaff(t.app.db, { role: 'admin', name: 'Ada Admin' });
    for (const viewport of [DESKTOP, PHONE]) {
      const ctx = await contextFor(admin, viewport);
      const page = await ctx.newPage();
      await page.goto(`${t.app.url}/staff`);
      await page.getByTestId('next-step').getByRole('heading', { name: 'Create your first client' }).waitFor();
      expect(await page.getByTestId('staff-stats').count()).toBe(0);
      await shot(page, `staff-home-fresh-${viewport.width}`);
      await ctx.close();
    }

    const ctx = await contextFor(admin);
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${t.app.url}/staff`);
    await page.getByRole('button', { name: 'Create your first client' }).click();
    await page.getByRole('dialog').getByLabel('Client name').fill('Fabrikam');
    await page.getByRole('dialog').getByRole('button', { name: 'Create client' }).click();
    await page.getByRole('heading', { level: 1, name: 'Fabrikam' }).waitFor();

    // Next: the first project for that client, through the Projects page's dialog with the client chosen.
    await page.goto(`${t.app.url}/staff`);
    await page.getByTestId('next-step').getByRole('link', { name: 'Create the first project for Fabrikam' }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('heading', { name: 'New project' }).waitFor();
    expect(await dialog.getByLabel('Client').textContent()).toContain('Fabrikam');
    await dialog.getByLabel('Name').fill('Fabrikam perimeter test');
    await dialog.getByLabel('Start date').fill('2026-03-02');
    await shot(page, 'projects-new-from-home-1366');
    await dialog.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('heading', { level: 1, name: 'Fabrikam perimeter test' }).waitFor();
    const created = await t.app.db
      .selectFrom('projects')
      .select(['name', 'start_date'])
      .where('name', '=', 'Fabrikam perimeter test')
      .executeTakeFirstOrThrow();
    expect(created.start_date).toBe('2026-03-02');

    // Now Home has its cards and lists (nothing published yet: empty states).
    await page.goto(`${t.app.url}/staff`);
    await page.getByTestId('staff-stats').waitFor();
    await page.getByTestId('attention-empty').waitFor();
    await page.getByTestId('activity-empty').waitFor();
    expect(errors).toEqual([]);
    await ctx.close();
  });

  it('Home with data: recent activity naming clients, projects needing attention, counts equal to lists, live', async () => {
    const now = Date.now();
    w = await buildDashboardWorld(t.app.db, now, 'Contoso');
    other = await buildDashboardWorld(t.app.db, now, 'Globex');
    // One Globex finding a year past publication: overdue.
    await t.app.db
      .updateTable('findings')
      .set({ published_at: now - 365 * 86_400_000 })
      .where('id', '=', other.findings['Open SNMP service']!.id)
      .execute();
    const ctx = await contextFor(admin);
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${t.app.url}/staff`);
    const activity = page.getByTestId('staff-activity');
    await activity.waitFor();
    expect(await activity.locator('li').count()).toBe(15);
    await activity.getByText('Contoso').first().waitFor();
    await activity.getByText('Globex').first().waitFor();

    // Needs attention: each project with what waits; the chips add up to the cards above.
    const attention = page.getByTestId('attention-list');
    await attention.getByRole('link', { name: 'External network test' }).waitFor();
    const card = async (label: string) => Number(await page.getByTestId('staff-stats').locator('.stat', { hasText: label }).locator('.value').textContent());
    const chips = async (re: RegExp) =>
      (await attention.locator('.reason').allTextContents()).filter((x) => re.test(x)).reduce((n, x) => n + Number(x.split(' ')[0]), 0);
    expect(await card('Waiting for verification')).toBe(2);
    expect(await chips(/waiting for verification/)).toBe(await card('Waiting for verification'));
    expect(await chips(/overdue finding/)).toBe(await card('Overdue findings'));
    // The queue lists as many as the card says.
    await shot(page, 'staff-home-data-1366');

    // Live: a finding published elsewhere shows at the top of the activity.
    const draft = await buildFinding(t.app.db, { project_id: w.web.id, title: 'Live: exposed admin panel', severity: 'high', status: 'open' });
    const staffAgent = await signIn(t.app, admin);
    expect((await staffAgent.post(`/api/findings/${draft.id}/publish`, { confirm: true })).status).toBe(200);
    await activity.locator('li').first().getByText('New finding published: Live: exposed admin panel').waitFor({ timeout: 5_000 });
    await activity.getByRole('link', { name: 'New finding published: Live: exposed admin panel' }).click();
    await page.waitForURL(`**/staff/findings/${draft.id}`);
    expect(errors).toEqual([]);

    const phone = await contextFor(admin, PHONE);
    const p2 = await phone.newPage();
    await p2.goto(`${t.app.url}/staff`);
    await p2.getByTestId('staff-activity').waitFor();
    await shot(p2, 'staff-home-data-390');
    await Promise.all([ctx.close(), phone.close()]);
  });

  it('the Projects page creates a project for a chosen client, and the list has it', async () => {
    for (const viewport of [DESKTOP, PHONE]) {
      const ctx = await contextFor(admin, viewport);
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      await page.goto(`${t.app.url}/staff/projects`);
      await page.getByRole('button', { name: 'New project' }).click();
      const dialog = page.getByRole('dialog');
      await choose(page, 'Client', 'Globex');
      const name = `Globex cloud review ${viewport.width}`;
      await dialog.getByLabel('Name').fill(name);
      await choose(page, 'Status', 'Active');
      await dialog.getByLabel('Start date').fill('2026-04-01');
      await dialog.getByLabel('End date').fill('2026-03-01');
      await shot(page, `projects-new-dialog-${viewport.width}`);
      // End before start: the server's message at the field, nothing created.
      await dialog.getByRole('button', { name: 'Create project' }).click();
      await dialog.locator('.error').first().waitFor();
      expect(await t.app.db.selectFrom('projects').select('id').where('name', '=', name).execute()).toEqual([]);
      await dialog.getByLabel('End date').fill('2026-04-30');
      await dialog.getByRole('button', { name: 'Create project' }).click();
      await page.getByRole('heading', { level: 1, name }).waitFor();
      const row = await t.app.db.selectFrom('projects').select(['client_id', 'status']).where('name', '=', name).executeTakeFirstOrThrow();
      expect(row).toEqual({ client_id: other.client.id, status: 'active' });
      await page.goto(`${t.app.url}/staff/projects`);
      await page.getByRole('link', { name }).waitFor();
      expect(errors).toEqual([]);
      await ctx.close();
    }
  });

  it('a file picker and date fields have the field style (reports upload, audit filters)', async () => {
    const ctx = await contextFor(admin);
    const page = await ctx.newPage();
    await page.goto(`${t.app.url}/staff/projects/${w.web.id}/reports`);
    const file = page.locator('input[type="file"]#report-file');
    await file.waitFor();
    const style = await file.evaluate((el) => {
      const s = getComputedStyle(el);
      const b = getComputedStyle(el, '::file-selector-button');
      return { border: s.borderTopStyle, radius: s.borderTopLeftRadius, buttonBorder: b.borderTopStyle, buttonWeight: b.fontWeight };
    });
    expect(style).toEqual({ border: 'solid', radius: expect.not.stringMatching(/^0px$/), buttonBorder: 'solid', buttonWeight: '600' });
    await shot(page, 'file-picker-1366');
    await page.goto(`${t.app.url}/staff/audit`);
    const date = page.locator('input[type="date"]').first();
    await date.waitFor();
    expect(await date.evaluate((el) => getComputedStyle(el).borderTopStyle)).toBe('solid');
    await shot(page, 'date-fields-1366');
    const phone = await contextFor(admin, PHONE);
    const p2 = await phone.newPage();
    await p2.goto(`${t.app.url}/staff/projects/${w.web.id}/reports`);
    await p2.locator('#report-file').waitFor();
    await shot(p2, 'file-picker-390');
    await Promise.all([ctx.close(), phone.close()]);
  });

  it("the portal Activity page: the client's feed, paged and live; with the module off, its padlock", async () => {
    // Enough events for a second page (20 a page).
    for (let i = 0; i < 10; i++)
      await buildFinding(t.app.db, {
        project_id: w.network.id,
        title: `Finding number ${i}`,
        severity: 'low',
        published: true,
        published_at: Date.now() - (500 + i) * 60_000,
      });
    const ctx = await contextFor(w.people.viewer);
    const page = await ctx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${t.app.url}/portal`);
    await page.getByRole('navigation').getByRole('link', { name: 'Activity', exact: true }).first().click();
    await page.waitForURL('**/portal/activity');
    const feed = page.getByTestId('portal-activity');
    await feed.waitFor();
    expect(await feed.locator('li').count()).toBe(20);
    // Page to the end. A live refresh (a reconnection reloads a portal page's data) starts the list
    // over at its first page, as designed: then page again, until the whole feed is shown.
    const more = feed.getByRole('button', { name: 'Show older activity' });
    let texts: string[] = [];
    await expect
      .poll(
        async () => {
          if (await more.count()) await more.click({ timeout: 2_000 }).catch(() => undefined);
          else texts = await feed.locator('li a').allTextContents();
          return (await more.count()) ? -1 : texts.length;
        },
        { timeout: 15_000 },
      )
      .toBe(23);
    // 9 + 10 publications (+1 published live on Home), 2 status changes, 1 report; nothing of Globex.
    expect(texts).toHaveLength(23);
    expect(new Set(texts).size).toBe(texts.length);
    const links = await feed.locator('li a').evaluateAll((as) => as.map((a) => a.getAttribute('href')!));
    const globex = new Set(Object.values(other.findings).map((f) => f.id));
    expect(links.filter((l) => globex.has(l.split('/').pop()!))).toEqual([]);
    await shot(page, 'portal-activity-1366');

    // Live: a publication shows without a reload.
    const staffAgent = await signIn(t.app, admin);
    const draft = await buildFinding(t.app.db, { project_id: w.web.id, title: 'Live on the Activity page', severity: 'medium', status: 'open' });
    expect((await staffAgent.post(`/api/findings/${draft.id}/publish`, { confirm: true })).status).toBe(200);
    await feed.locator('li').first().getByText('New finding published: Live on the Activity page').waitFor({ timeout: 5_000 });

    const phone = await contextFor(w.people.viewer, PHONE);
    const p2 = await phone.newPage();
    await p2.goto(`${t.app.url}/portal/activity`);
    await p2.getByTestId('portal-activity').waitFor();
    await shot(p2, 'portal-activity-390');

    // The module switched off: the page becomes its padlock, the menu shows the padlock.
    await setClientModules(t.app.db, w.client.id, { activity: false });
    await page.reload();
    await page.getByText('This module is not enabled for your organisation').waitFor();
    expect(await page.getByTestId('portal-activity').count()).toBe(0);
    await shot(page, 'portal-activity-locked-1366');
    expect(errors).toEqual([]);
    await setClientModules(t.app.db, w.client.id, { activity: true });
    await Promise.all([ctx.close(), phone.close()]);
  });
});
