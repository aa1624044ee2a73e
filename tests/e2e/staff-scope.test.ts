import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { artifact, launchBrowser, signedInContext, watchErrors as watch } from '../support/browser.js';
import { buildClient, buildFirm, buildStaff, signIn } from '../support/factories.js';
import type { UserRow } from '../../db/schema.js';

/**
 * Staff least privilege in the browser: an admin switches "Analysts see every client" off in
 * Settings → Security and assigns an analyst to one client on its Team tab; the analyst's Clients
 * page then lists that client only, and another client's page says it does not exist.
 */

let app: TestApp;
let browser: Browser;
let admin: UserRow;
let analyst: UserRow;
beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
  await buildFirm(app.db);
  admin = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' });
  analyst = await buildStaff(app.db, { role: 'analyst', name: 'Ana Analyst' });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const contextFor = async (user: UserRow, viewport = { width: 1280, height: 860 }) => signedInContext(browser, app.url, await signIn(app, user), { viewport });

describe('staff scope in the browser', () => {
  it('an admin limits analysts and assigns one to a client; the analyst then sees that client only', async () => {
    const contoso = await buildClient(app.db, { name: 'Contoso' });
    const globex = await buildClient(app.db, { name: 'Globex' });
    const ctx = await contextFor(admin);
    const page = await ctx.newPage();
    const errors = watch(page);

    // Settings → Security: the switch is on by default; turn it off.
    await page.goto(`${app.url}/staff/settings/security`);
    const toggle = page.getByRole('switch', { name: 'Analysts see every client' });
    await toggle.waitFor();
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    await toggle.click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Analysts now see only their clients' }).count()).toBe(1);
    expect(await toggle.getAttribute('aria-checked')).toBe('false');
    await page.screenshot({ path: artifact('settings-security-client-access.png'), fullPage: true });

    // Contoso → Team: assign Ana.
    await page.goto(`${app.url}/staff/clients/${contoso.id}?tab=team`);
    await page.getByRole('heading', { name: 'Assigned analysts' }).waitFor();
    expect(await page.getByText('Only the people below and administrators can open Contoso.').count()).toBe(1);
    await page.getByLabel('Analysts who work on this client').click();
    await page.getByRole('option', { name: 'Ana Analyst' }).click();
    await page.keyboard.press('Escape');
    await page.getByRole('button', { name: 'Save assignments' }).click();
    await expect.poll(() => page.getByRole('status').filter({ hasText: 'Saved. Open pages follow at once.' }).count()).toBe(1);
    await page.screenshot({ path: artifact('client-team-tab.png'), fullPage: true });
    expect((await app.db.selectFrom('client_staff').select('user_id').where('client_id', '=', contoso.id).execute()).map((r) => r.user_id)).toEqual([
      analyst.id,
    ]);
    expect(errors).toEqual([]);

    // The analyst: Contoso only; Globex does not exist for them. Also at phone width.
    const actx = await contextFor(analyst, { width: 390, height: 844 });
    const apage = await actx.newPage();
    const aerrors = watch(apage);
    await apage.goto(`${app.url}/staff/clients`);
    await apage.getByRole('link', { name: /Contoso/ }).waitFor();
    expect(await apage.getByRole('link', { name: /Globex/ }).count()).toBe(0);
    await apage.screenshot({ path: artifact('clients-list-scoped-phone.png'), fullPage: true });
    await apage.goto(`${app.url}/staff/clients/${globex.id}`);
    await apage.getByRole('heading', { name: 'Client not found' }).waitFor();
    // The Team tab is read-only for an analyst.
    await apage.goto(`${app.url}/staff/clients/${contoso.id}?tab=team`);
    await apage.getByRole('heading', { name: 'Assigned analysts' }).waitFor();
    expect(await apage.getByRole('button', { name: 'Save assignments' }).count()).toBe(0);
    expect(await apage.getByText('Ana Analyst').count()).toBeGreaterThan(0);
    await apage.screenshot({ path: artifact('client-team-tab-analyst-phone.png'), fullPage: true });
    expect(await apage.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    expect(aerrors.filter((e) => !e.includes('404'))).toEqual([]);
    await ctx.close();
    await actx.close();
  });
});
