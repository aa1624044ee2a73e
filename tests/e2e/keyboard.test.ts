import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { enrolTotp, totpCode } from '../support/totp.js';

/**
 * Issue 18, point 17, with the keyboard only (no clicks): sign in (the e-mail field has focus, the
 * sixth MFA digit submits), the skip link is the first Tab stop, a route change puts focus on the
 * new page's heading, Escape closes the phone menu, a dialog and a popover and gives focus back.
 * Also measures the Tab stops before the content (printed for the closing note).
 */

const t = useBrowserApp();

/** What has focus, as a person would describe it. */
const focused = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    return { tag: el?.tagName.toLowerCase(), id: el?.id, text: (el?.innerText || el?.getAttribute('aria-label') || '').trim(), inMain: !!el?.closest('main') };
  });

/** Tab presses from a fresh load until focus is inside the page's content (not using the skip link). */
async function tabStopsBeforeContent(page: Page): Promise<number> {
  for (let n = 1; n <= 60; n++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (f.inMain) return n - 1;
  }
  throw new Error('never reached the content');
}

describe('keyboard only', () => {
  it('signs in: e-mail focused, Tab to password, Enter, six digits submit themselves; then moves page to page', async () => {
    await buildFirm(t.app.db, { name: 'Northwind Security' });
    const staff = await buildStaff(t.app.db, { role: 'admin', name: 'Ada Admin', email: 'ada@northwind.test' });
    const secret = await enrolTotp(t.app, staff);
    const page = await (await t.browser.newContext({ viewport: { width: 1366, height: 900 } })).newPage();
    const errors = watchErrors(page);
    await page.goto(`${t.app.url}/login`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await expect.poll(async () => (await focused(page)).id).toBe('email');
    await page.keyboard.type('ada@northwind.test');
    await page.keyboard.press('Tab');
    expect((await focused(page)).id).toBe('password');
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.waitForURL('**/login/mfa');
    await expect.poll(async () => (await focused(page)).id).toBe('code');
    await page.keyboard.type(totpCode(secret));
    // No Enter: the sixth digit submitted the form.
    await page.waitForURL((u) => u.pathname === '/staff');

    // Arriving put focus on the page's heading; on a fresh load, the skip link is the first Tab
    // stop, and takes focus past the menu.
    await expect.poll(async () => (await focused(page)).tag).toBe('h1');
    await page.reload();
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.keyboard.press('Tab');
    expect((await focused(page)).text).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect((await focused(page)).inMain, 'after the skip link, Tab is in the content').toBe(true);

    // A route change (a menu link, by keyboard) puts focus on the new page's heading.
    await page.getByRole('link', { name: 'Clients', exact: true }).focus();
    await page.keyboard.press('Enter');
    await page.waitForURL('**/staff/clients');
    await expect.poll(async () => focused(page)).toMatchObject({ tag: 'h1', text: 'Clients' });
    await page.getByRole('link', { name: 'Projects', exact: true }).focus();
    await page.keyboard.press('Enter');
    await expect.poll(async () => focused(page)).toMatchObject({ tag: 'h1', text: 'Projects' });
    expect(errors).toEqual([]);
  });

  it('Escape closes a dialog, a popover and the phone menu, and gives focus back to what opened it', async () => {
    const admin = await signIn(t.app, await buildStaff(t.app.db, { role: 'admin' }));
    const page = await (await signedInContext(t.browser, t.app.url, admin, { viewport: { width: 1366, height: 900 } })).newPage();
    const errors = watchErrors(page);
    await page.goto(`${t.app.url}/staff/clients`);
    const opener = page.getByRole('button', { name: 'New client' }).first();
    await opener.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog').waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'detached' });
    await expect.poll(async () => (await focused(page)).text).toBe('New client');

    const bell = page.getByRole('button', { name: /^Notifications/ });
    await bell.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: 'Notifications' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Notifications' }).waitFor({ state: 'detached' });
    await expect.poll(async () => (await focused(page)).text).toMatch(/^Notifications/);

    await page.setViewportSize({ width: 390, height: 844 });
    const menu = page.getByRole('button', { name: 'Menu' });
    await menu.focus();
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Projects', exact: true }).waitFor();
    expect(await menu.getAttribute('aria-expanded')).toBe('true');
    await page.keyboard.press('Tab');
    await page.keyboard.press('Escape');
    expect(await menu.getAttribute('aria-expanded')).toBe('false');
    expect(await page.locator('#sidebar').isVisible()).toBe(false);
    expect((await focused(page)).text).toMatch(/Menu$/);
    expect(errors).toEqual([]);
  });

  it('Tab stops before the content: one with the skip link; counted without it on a staff and a portal page', async () => {
    const admin = await signIn(t.app, await buildStaff(t.app.db, { role: 'admin' }));
    const client = await buildClient(t.app.db, { name: 'Contoso' });
    const manager = await signIn(t.app, await buildPortalUser(t.app.db, { client_id: client.id, role: 'manager' }));
    const counts: Record<string, number> = {};
    for (const [name, agent, path] of [
      ['staff /staff/clients', admin, '/staff/clients'],
      ['portal /portal', manager, '/portal'],
    ] as const) {
      const page = await (await signedInContext(t.browser, t.app.url, agent, { viewport: { width: 1366, height: 900 } })).newPage();
      await page.goto(t.app.url + path);
      await page.locator('main h1').waitFor();
      await page.waitForLoadState('networkidle');
      await page.keyboard.press('Tab');
      expect((await focused(page)).text, `${name}: the first Tab stop`).toBe('Skip to content');
      await page.reload();
      await page.locator('main h1').waitFor();
      await page.waitForLoadState('networkidle');
      counts[name] = await tabStopsBeforeContent(page);
      await page.context().close();
    }
    console.log('Tab stops before the content without the skip link:', JSON.stringify(counts), '(with it: 1, the skip link)');
    for (const n of Object.values(counts)) expect(n).toBeGreaterThan(1);
  });
});
