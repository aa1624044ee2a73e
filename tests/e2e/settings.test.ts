import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import type { UserRow } from '../../db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { artifact, launchBrowser, signedInContext, watchErrors as watch } from '../support/browser.js';
import { buildStaff, signIn } from '../support/factories.js';

/**
 * The firm settings forms an administrator saves: remediation targets and session limits. A
 * refused value is named on its field and changes nothing; a good one is saved and said so.
 */

let app: TestApp;
let browser: Browser;
let admin: UserRow;
beforeAll(async () => {
  app = await startTestApp();
  browser = await launchBrowser();
  admin = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' });
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

describe('firm settings in the browser', () => {
  it('saves remediation targets and session limits, and names a refused value on its field', async () => {
    const agent = await signIn(app, admin);
    const ctx = await signedInContext(browser, app.url, agent, { viewport: { width: 1280, height: 900 } });
    const page = await ctx.newPage();
    const errors = watch(page);

    await page.goto(`${app.url}/staff/settings/remediation`);
    await page.getByRole('heading', { level: 1, name: 'Remediation targets' }).waitFor();
    const before = (await agent.get('/api/firm/remediation-targets')).body.targets;
    await page.getByLabel('Critical (days)').fill('0');
    await page.getByRole('button', { name: 'Save targets' }).click();
    await expect.poll(() => page.locator('#days-critical-error').textContent()).toBeTruthy();
    expect((await agent.get('/api/firm/remediation-targets')).body.targets).toEqual(before);
    await page.getByLabel('Critical (days)').fill('14');
    await page.getByRole('button', { name: 'Save targets' }).click();
    await page.getByText('Remediation targets saved.').waitFor();
    expect((await agent.get('/api/firm/remediation-targets')).body.targets).toEqual({ ...before, critical: 14 });
    await page.screenshot({ path: artifact('settings-remediation.png'), fullPage: true });

    await page.goto(`${app.url}/staff/settings/security`);
    await page.getByLabel('Idle timeout (minutes)').fill('2');
    await page.getByRole('button', { name: 'Save session settings' }).click();
    await expect.poll(() => page.locator('#idle-error').textContent()).toBeTruthy();
    expect((await agent.get('/api/admin/security')).body.sessionIdleMinutes).toBeNull();
    await page.getByLabel('Idle timeout (minutes)').fill('45');
    await page.getByRole('button', { name: 'Save session settings' }).click();
    await page.getByText('Saved. New limits apply to every open session at once.').waitFor();
    expect((await agent.get('/api/admin/security')).body.sessionIdleMinutes).toBe(45);
    await page.screenshot({ path: artifact('settings-security.png'), fullPage: true });
    expect(errors).toEqual([]);
    await ctx.close();
  });
});
