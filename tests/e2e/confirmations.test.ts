import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/app.js';
import { launchBrowser, signedInContext, watchErrors as watch } from '../support/browser.js';
import { buildClient, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import type { ClientRow, UserRow } from '../../db/schema.js';
import { mkdirSync } from 'node:fs';

/**
 * Issue 18 points 8 and 9 in Chromium: turning a portal off shows the server's consequence (the
 * count and the names); Cancel leaves the client's live session working; confirming signs them
 * out. The Settings tab is one form: two changes, the unsaved mark, leaving asks, one Save saves both.
 */
const SHOTS = '/tmp/shots-i18-confirm';
let app: TestApp;
let browser: Browser;
let client: ClientRow;
let admin: UserRow;
let ann: UserRow;
let bob: UserRow;
beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  app = await startTestApp();
  browser = await launchBrowser();
  admin = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' });
  client = await buildClient(app.db, { name: 'Contoso Ltd' });
  const other = await buildClient(app.db, { name: 'Fabrikam' });
  ann = await buildPortalUser(app.db, { client_id: client.id, role: 'manager', name: 'Ann Lee' });
  bob = await buildPortalUser(app.db, { client_id: client.id, role: 'viewer', name: 'Bob Ray' });
  await signIn(app, await buildPortalUser(app.db, { client_id: other.id, role: 'manager', name: 'Zed Other' }));
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

const alive = async (agent: Awaited<ReturnType<typeof signIn>>) => (await agent.get('/api/session')).status === 200;

describe('confirmations and the one Settings form in the browser', () => {
  it('turning the portal off shows the consequence; Cancel keeps sessions; confirming signs them out', async () => {
    const annAgent = await signIn(app, ann);
    const bobAgent = await signIn(app, bob);
    for (const [width, height, tag] of [
      [1366, 900, 'desktop'],
      [390, 844, 'phone'],
    ] as const) {
      const ctx = await signedInContext(browser, app.url, await signIn(app, admin), { viewport: { width, height } });
      const page = await ctx.newPage();
      const errors = watch(page);
      await page.goto(`${app.url}/staff/clients/${client.id}?tab=settings`);
      await page.getByRole('switch', { name: 'Client portal' }).click();
      await page.getByRole('button', { name: 'Save settings' }).click();
      const dialog = page.getByRole('alertdialog');
      await dialog.waitFor();
      const text = await dialog.textContent();
      expect(text).toContain('2 people of Contoso Ltd will be signed out now');
      expect(text).toContain('Ann Lee');
      expect(text).toContain('Bob Ray');
      expect(text).not.toContain('Zed Other');
      await page.screenshot({ path: `${SHOTS}/confirm-portal-off-${tag}.png` });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'hidden' });
      expect(await alive(annAgent)).toBe(true);
      expect((await app.db.selectFrom('clients').select('portal_enabled').where('id', '=', client.id).executeTakeFirstOrThrow()).portal_enabled).toBe(1);
      if (tag === 'phone') {
        await page.getByRole('button', { name: 'Save settings' }).click();
        await dialog.getByRole('button', { name: 'Save and apply' }).click();
        await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();
        expect(await alive(annAgent)).toBe(false);
        expect(await alive(bobAgent)).toBe(false);
        // The Portal users tab offers to turn it back on.
        await page.getByRole('tab', { name: 'Portal users' }).click();
        await page.getByTestId('portal-off-offer').waitFor();
        await page.screenshot({ path: `${SHOTS}/portal-off-offer-${tag}.png`, fullPage: true });
        await page.getByRole('button', { name: 'Turn the portal on' }).click();
        await page.getByTestId('portal-off-offer').waitFor({ state: 'detached' });
        expect((await app.db.selectFrom('clients').select('portal_enabled').where('id', '=', client.id).executeTakeFirstOrThrow()).portal_enabled).toBe(1);
      }
      expect(errors).toEqual([]);
      await ctx.close();
    }
  });

  it('two changes: the unsaved mark shows, leaving asks, one Save saves both', async () => {
    for (const [width, height, tag] of [
      [1366, 900, 'desktop'],
      [390, 844, 'phone'],
    ] as const) {
      const ctx = await signedInContext(browser, app.url, await signIn(app, admin), { viewport: { width, height } });
      const page = await ctx.newPage();
      const errors = watch(page);
      await page.goto(`${app.url}/staff/clients/${client.id}?tab=settings`);
      await page.getByRole('heading', { name: 'What each portal role may do' }).waitFor();
      expect(await page.getByTestId('unsaved-mark').count()).toBe(0);
      await page.getByLabel('Idle timeout (minutes)').fill(tag === 'desktop' ? '45' : '50');
      await page.getByRole('switch', { name: 'CVSS' }).click();
      await page.getByTestId('unsaved-mark').waitFor();
      await page.screenshot({ path: `${SHOTS}/settings-form-${tag}.png`, fullPage: true });
      // Leaving by a link asks; staying keeps the edits.
      await page.getByRole('link', { name: '← Clients' }).click();
      const ask = page.getByRole('alertdialog');
      await ask.waitFor();
      expect(await ask.textContent()).toContain('Leave without saving?');
      await page.screenshot({ path: `${SHOTS}/settings-leave-${tag}.png` });
      await ask.getByRole('button', { name: 'Cancel' }).click();
      expect(new URL(page.url()).pathname).toBe(`/staff/clients/${client.id}`);
      expect(await page.getByLabel('Idle timeout (minutes)').inputValue()).toBe(tag === 'desktop' ? '45' : '50');
      // Another tab asks too.
      await page.getByRole('tab', { name: 'Projects' }).click();
      await ask.waitFor();
      await ask.getByRole('button', { name: 'Cancel' }).click();
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();
      expect(await page.getByTestId('unsaved-mark').count()).toBe(0);
      const row = await app.db.selectFrom('clients').select(['session_idle_minutes', 'visible_fields']).where('id', '=', client.id).executeTakeFirstOrThrow();
      expect(row.session_idle_minutes).toBe(tag === 'desktop' ? 45 : 50);
      expect(JSON.parse(row.visible_fields).cvss).toBe(tag !== 'desktop');
      // Saved: leaving no longer asks.
      await page.getByRole('link', { name: '← Clients' }).click();
      await page.waitForURL(`${app.url}/staff/clients`);
      expect(errors).toEqual([]);
      await ctx.close();
    }
  });
});
