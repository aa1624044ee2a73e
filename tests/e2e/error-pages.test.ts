import { sql } from 'kysely';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';

/**
 * Issue 18, point 15 in Chromium: an address with no page shows the styled 404 (inside the
 * signed-in frame for a signed-in person) with a way back; a server failure shows the request id
 * the server logged, to quote to support; a missing script answers 404 and the page still works.
 * Screenshots go to /tmp/shots-i18-pages (looked at, kept out of git).
 */

const t = useBrowserApp();
const SHOTS = process.env.PAGES_SHOTS ?? '/tmp/shots-i18-pages';
const shot = (page: Page, name: string) => page.screenshot({ path: `${SHOTS}/${name}`, fullPage: true });
const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1366, height: 900 };

describe('error pages', () => {
  it('an unknown address, signed out: the styled 404 with the firm brand and a way back', async () => {
    await buildFirm(t.app.db, { name: 'Northwind Security' });
    await buildStaff(t.app.db, { role: 'admin' }); // set up, so the start page is sign-in
    for (const viewport of [DESKTOP, PHONE]) {
      const ctx = await t.browser.newContext({ viewport });
      const page = await ctx.newPage();
      const errors = watchErrors(page);
      await page.goto(`${t.app.url}/no/such/page`);
      await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
      expect(await page.getByText('There is no page at this address.').count()).toBe(1);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(viewport.width);
      await shot(page, `404-signed-out-${viewport.width}.png`);
      await page.getByRole('link', { name: 'Go to the start page' }).click();
      await page.waitForURL('**/login');
      expect(errors).toEqual([]);
      await ctx.close();
    }
  });

  it('an unknown address under /staff and /portal, signed in: the 404 inside the menu frame, Home leads back', async () => {
    const staff = await signIn(t.app, await buildStaff(t.app.db, { role: 'admin', name: 'Ada Admin' }));
    const client = await buildClient(t.app.db, { name: 'Contoso' });
    const viewer = await signIn(t.app, await buildPortalUser(t.app.db, { client_id: client.id, role: 'viewer' }));
    for (const [who, agent, path, home] of [
      ['staff', staff, '/staff/no-such-page', '/staff'],
      ['portal', viewer, '/portal/findings/x/y', '/portal'],
    ] as const) {
      for (const viewport of [DESKTOP, PHONE]) {
        const page = await (await signedInContext(t.browser, t.app.url, agent, { viewport })).newPage();
        const errors = watchErrors(page);
        await page.goto(t.app.url + path);
        await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
        // Inside the frame: the main menu is there (on a phone, behind its button).
        expect(await page.locator('nav#sidebar').count()).toBe(1);
        expect(await page.locator('main#main').getByRole('heading', { name: 'Page not found' }).count()).toBe(1);
        await shot(page, `404-${who}-${viewport.width}.png`);
        await page.getByRole('link', { name: 'Go to Home' }).click();
        await page.waitForURL((u) => u.pathname === home);
        expect(errors).toEqual([]);
        await page.context().close();
      }
    }
  });

  it('a server failure shows the request id the server logged, and Try again works once it is fixed', async () => {
    const admin = await signIn(t.app, await buildStaff(t.app.db, { role: 'admin', name: 'Ada Admin' }));
    // A real fault: the sessions table is gone (a broken disk or a bad restore would look the same).
    await sql`alter table sessions rename to sessions_away`.execute(t.app.db);
    try {
      for (const viewport of [DESKTOP, PHONE]) {
        const page = await (await signedInContext(t.browser, t.app.url, admin, { viewport })).newPage();
        await page.goto(`${t.app.url}/staff`);
        await page.getByRole('heading', { level: 1, name: 'Something went wrong' }).waitFor();
        const shown = (await page.locator('#request-id').textContent())!.trim();
        expect(shown).toMatch(/^[\w-]{8,}$/);
        // The server logged the failure under the very id the page shows.
        expect(t.app.logs.some((l) => l.requestId === shown && l.level === 'error')).toBe(true);
        expect(await page.getByRole('button', { name: 'Copy reference' }).count()).toBe(1);
        expect(await page.content()).not.toMatch(/sessions_away|no such table|stack/i);
        await shot(page, `error-request-id-${viewport.width}.png`);
        await page.context().close();
      }
    } finally {
      await sql`alter table sessions_away rename to sessions`.execute(t.app.db);
    }
    const page = await (await signedInContext(t.browser, t.app.url, admin, { viewport: DESKTOP })).newPage();
    await page.goto(`${t.app.url}/staff`);
    await page.getByRole('navigation', { name: 'Main' }).waitFor();
    await page.context().close();
  });

  it('a server failure shown inside a page (not the error page) carries the request id too', async () => {
    const admin = await signIn(t.app, await buildStaff(t.app.db, { role: 'admin', name: 'Ada Admin' }));
    await sql`alter table notifications rename to notifications_away`.execute(t.app.db);
    try {
      const page = await (await signedInContext(t.browser, t.app.url, admin, { viewport: DESKTOP })).newPage();
      await page.goto(`${t.app.url}/notifications`);
      const alert = page.getByRole('main').getByRole('alert');
      await alert.waitFor();
      const text = (await alert.textContent())!;
      const id = /Reference: ([\w-]{8,})\./.exec(text)?.[1];
      expect(id, text).toBeTruthy();
      expect(t.app.logs.some((l) => l.requestId === id && l.level === 'error')).toBe(true);
      expect(text).not.toMatch(/notifications_away|no such table|relation/i);
      await shot(page, 'error-inline-request-id-1366.png');
      await page.context().close();
    } finally {
      await sql`alter table notifications_away rename to notifications`.execute(t.app.db);
    }
  });

  it('a missing script answers 404 (not 500) and logs no error; the app around it still loads', async () => {
    const page = await (await t.browser.newContext({ viewport: DESKTOP })).newPage();
    const before = t.app.logs.filter((l) => l.level === 'error').length;
    const res = await page.goto(`${t.app.url}/_app/immutable/chunks/nope.js`);
    expect(res?.status()).toBe(404);
    expect(t.app.logs.filter((l) => l.level === 'error').length).toBe(before);
    await page.goto(`${t.app.url}/login`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.context().close();
  });
});
