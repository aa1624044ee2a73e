import { mkdirSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { signedInContext, useBrowserApp, watchErrors } from '../support/browser.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, signIn } from '../support/factories.js';
import { Agent } from '../support/http.js';
import { jpegWithGps } from '../support/images.js';
import { inviteTokenFor } from '../support/invitations.js';
import { enrolTotp } from '../support/totp.js';
import { buildProject } from '../support/workspace.js';

/**
 * Issue 15, points 1–6 in Chromium: an admin brands the portal (logo with EXIF GPS, colours, the
 * live preview, Save); an open portal page takes the brand without a reload; the signed-out pages
 * show it at 1366 and 390 px; no client, person or project name reaches a signed-out page.
 * Screenshots go to /tmp/shots-i15-brand (looked at, kept out of git).
 */

const t = useBrowserApp();
const SHOTS = process.env.BRAND_SHOTS ?? '/tmp/shots-i15-brand';
const shot = (page: Page, name: string) => {
  mkdirSync(SHOTS, { recursive: true });
  return page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
};
const DESKTOP = { width: 1366, height: 900 };
const PHONE = { width: 390, height: 844 };
const PRIMARY = '#7a1f5c';
const ACCENT = '#0f766e';

/** The value of a CSS custom property on the page's root, as the browser computed it. */
const token = (page: Page, name: string) => page.evaluate((n) => getComputedStyle(document.documentElement).getPropertyValue(n).trim(), name);

/** A wide JPEG logo (a mark and a bar) carrying EXIF with GPS coordinates. */
async function logoWithGps(): Promise<Buffer> {
  const base = await jpegWithGps(600, 150);
  const art = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="150"><rect width="600" height="150" fill="#ffffff"/><circle cx="75" cy="75" r="55" fill="${PRIMARY}"/><rect x="160" y="45" width="380" height="60" rx="10" fill="${ACCENT}"/></svg>`,
  );
  return sharp(base)
    .composite([{ input: art }])
    .jpeg()
    .withExif({
      IFD0: { Model: 'Spy 3000' },
      IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '51/1 30/1 2600/100', GPSLongitudeRef: 'W', GPSLongitude: '0/1 7/1 3900/100' },
    })
    .toBuffer();
}

describe('branding the portal', () => {
  it('an admin uploads a logo, sets colours, previews, saves; an open portal page and the signed-out pages show the brand', async () => {
    const { app, browser } = t;
    await buildFirm(app.db, { name: 'Northwind Assurance' });
    const adminUser = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' });
    const admin = await signIn(app, adminUser);
    const client = await buildClient(app.db, { name: 'Contoso' });
    const manager = await buildPortalUser(app.db, { role: 'manager', client_id: client.id });

    // A portal page already open in another browser.
    const portalCtx = await signedInContext(browser, app.url, await signIn(app, manager), { viewport: DESKTOP });
    const portal = await portalCtx.newPage();
    const portalErrors = watchErrors(portal);
    await portal.goto(`${app.url}/portal`);
    // The file's first page in a fresh browser: allow for a busy machine (a page load, not a speed check).
    await expect.poll(() => portal.locator('#sidebar').count(), { timeout: 10_000 }).toBe(1);
    expect(await token(portal, '--brand')).toBe('#1e3a5f');

    const adminCtx = await signedInContext(browser, app.url, admin, { viewport: DESKTOP });
    const page = await adminCtx.newPage();
    const errors = watchErrors(page);
    await page.goto(`${app.url}/staff/settings/branding`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Branding');
    await shot(page, 'settings-branding-default-1366.png');

    // The logo (EXIF GPS inside) is checked, re-encoded and previewed; nothing is saved yet.
    const input = await logoWithGps();
    expect((await sharp(input).metadata()).exif).toBeDefined();
    await page.setInputFiles('#brand-logo', { name: 'logo.jpg', mimeType: 'image/jpeg', buffer: input });
    const preview = page.getByTestId('brand-preview');
    await expect.poll(() => preview.locator('img.brand-logo').first().getAttribute('src')).toMatch(/^\/brand\/[0-9a-f]{64}\.png$/);
    const logoUrl = (await preview.locator('img.brand-logo').first().getAttribute('src'))!;

    // A failing scheme cannot be saved; "Adjust for me" fixes it.
    await page.getByLabel('Primary colour', { exact: true }).fill('#ffd400');
    await expect.poll(() => page.getByText(/hard to read/).count()).toBe(1);
    expect(await page.getByRole('button', { name: 'Save brand' }).isDisabled()).toBe(true);
    await shot(page, 'settings-branding-failing-1366.png');
    await page.getByRole('button', { name: 'Adjust for me' }).click();
    await expect.poll(() => page.getByText('Every pair passes.').count()).toBe(1);
    expect(await page.getByLabel('Primary colour', { exact: true }).inputValue()).not.toBe('#ffd400');

    // The colours the firm wants: the preview follows at once, the open portal does not.
    await page.getByLabel('Primary colour', { exact: true }).fill(PRIMARY);
    await page.getByLabel('Accent colour', { exact: true }).fill(ACCENT);
    await expect.poll(() => preview.evaluate((el) => getComputedStyle(el).getPropertyValue('--brand').trim())).toBe(PRIMARY);
    await shot(page, 'settings-branding-preview-portal-1366.png');
    await page.getByRole('button', { name: 'Phone' }).click();
    await expect.poll(() => preview.evaluate((el) => el.getBoundingClientRect().width)).toBeLessThanOrEqual(390);
    await shot(page, 'settings-branding-preview-portal-phone.png');
    await page.getByRole('button', { name: 'Sign-in' }).click();
    await expect.poll(() => preview.getByText('Forgot your password?').count()).toBe(1);
    await shot(page, 'settings-branding-preview-signin-phone.png');
    await page.getByRole('button', { name: 'Desktop' }).click();
    await page.getByRole('button', { name: 'E-mail' }).click();
    await shot(page, 'settings-branding-preview-email-1366.png');
    expect(await token(portal, '--brand'), 'clients see nothing before Save').toBe('#1e3a5f');

    await page.getByRole('button', { name: 'Save brand' }).click();
    await expect.poll(() => page.getByText('Brand saved: open pages update now.').count()).toBe(1);
    await shot(page, 'settings-branding-saved-1366.png');

    // The open portal page takes the new brand without a reload: colours, logo in the menu, favicon.
    await expect.poll(() => token(portal, '--brand'), { timeout: 10_000 }).toBe(PRIMARY);
    expect(await token(portal, '--focus')).toBe(ACCENT);
    await expect.poll(() => portal.locator('#sidebar img.brand-logo').getAttribute('src')).toBe(logoUrl);
    await shot(portal, 'portal-branded-live-1366.png');
    await portal.setViewportSize(PHONE);
    await expect.poll(() => portal.locator('.topbar img.brand-logo').isVisible()).toBe(true);
    await shot(portal, 'portal-branded-390.png');

    // The stored copy of the logo carries no metadata.
    const stored = await fetch(app.url + logoUrl);
    expect(stored.headers.get('x-content-type-options')).toBe('nosniff');
    const meta = await sharp(Buffer.from(await stored.arrayBuffer())).metadata();
    expect(meta.exif).toBeUndefined();
    expect(meta.format).toBe('png');

    // Signed-out pages: sign-in, forgot password, reset, invitation, MFA, at both widths.
    expect((await new Agent(app.url).post('/api/auth/password-reset', { email: manager.email }, { 'x-forwarded-for': '203.0.113.5' })).status).toBe(202);
    const reset = (await app.db.selectFrom('mail_outbox').select('text_body').where('kind', '=', 'password_reset').executeTakeFirstOrThrow()).text_body;
    const resetPath = new URL(reset.match(/https?:\/\/\S+\/reset-password\/[a-z2-7]+/)![0]).pathname;
    expect((await admin.post(`/api/clients/${client.id}/users`, { email: 'new.person@contoso.test', name: 'New Person', role: 'viewer' })).status).toBe(201);
    const invitePath = `/invite/${await inviteTokenFor(app, 'new.person@contoso.test')}`;
    const mfaUser = await buildPortalUser(app.db, { role: 'viewer', client_id: client.id });
    await enrolTotp(app, mfaUser);
    const halfSignedIn = await signIn(app, mfaUser, { mfaVerified: false });

    const pages: [string, string, Agent | null][] = [
      ['signin', '/login', null],
      ['forgot-password', '/forgot-password', null],
      ['reset', resetPath, null],
      ['invitation', invitePath, null],
      ['mfa', '/login/mfa', halfSignedIn],
    ];
    for (const [name, url, agent] of pages) {
      for (const [width, viewport] of [
        ['1366', DESKTOP],
        ['390', PHONE],
      ] as const) {
        const ctx = agent ? await signedInContext(browser, app.url, agent, { viewport }) : await browser.newContext({ viewport });
        const p = await ctx.newPage();
        const pErrors = watchErrors(p);
        await p.goto(app.url + url);
        await expect.poll(() => p.locator('.auth-brand img.brand-logo').getAttribute('src'), { message: `${name} shows the logo` }).toBe(logoUrl);
        expect(await token(p, '--brand'), `${name}: colours from /brand.css`).toBe(PRIMARY);
        await expect.poll(() => p.title()).toMatch(/ · Northwind Assurance$/);
        await expect.poll(() => p.evaluate(() => document.querySelector<HTMLLinkElement>('link[rel="icon"]')!.href)).toContain('/brand/favicon');
        expect(await p.evaluate(() => document.documentElement.scrollWidth), `${name} at ${width} px: nothing wider than the screen`).toBeLessThanOrEqual(
          viewport.width,
        );
        await p.getByRole('button', { name: 'Help' }).click();
        await expect.poll(() => p.getByRole('dialog').count()).toBe(1);
        if (width === '1366') await shot(p, `${name}-help-${width}.png`);
        await p.keyboard.press('Escape');
        await expect.poll(() => p.getByRole('dialog').count()).toBe(0);
        await shot(p, `${name}-${width}.png`);
        expect(pErrors, name).toEqual([]);
        await ctx.close();
      }
    }

    // The mail queued meanwhile carries the brand; the outbox shows its HTML, rendered in Chromium.
    await page.goto(`${app.url}/staff/outbox`);
    await page.getByRole('button', { name: /Reset your Northwind Assurance portal password/ }).click();
    const frame = page.frameLocator('iframe.html');
    await expect.poll(() => frame.locator('img').getAttribute('src')).toMatch(/^data:image\/png;base64,/);
    await expect.poll(() => frame.locator('img').evaluate((img: HTMLImageElement) => img.naturalWidth)).toBeGreaterThan(0);
    expect(await page.locator('iframe.html').getAttribute('sandbox')).toBe('');
    await shot(page, 'outbox-html-mail-1366.png');
    // Both admin pages at phone width.
    await page.setViewportSize(PHONE);
    await expect.poll(() => frame.locator('img').isVisible()).toBe(true);
    await shot(page, 'outbox-html-mail-390.png');
    await page.goto(`${app.url}/staff/settings/branding`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Branding');
    const wide = await page.evaluate((w) => {
      const out = [...document.querySelectorAll<HTMLElement>('body *')].filter((e) => e.getBoundingClientRect().right > w + 1);
      return out.slice(-5).map((e) => `${e.tagName.toLowerCase()}.${[...e.classList].join('.')} ${Math.round(e.getBoundingClientRect().right)}`);
    }, PHONE.width);
    expect(await page.evaluate(() => document.documentElement.scrollWidth), `wider than the screen: ${wide.join(', ')}`).toBeLessThanOrEqual(PHONE.width);
    await shot(page, 'settings-branding-390.png');

    expect(errors).toEqual([]);
    expect(portalErrors).toEqual([]);
  });

  it('no client, person or project name reaches a signed-out page (canary crawl)', async () => {
    const { app, browser } = t;
    const canary = 'CANARY7Q';
    const client = await buildClient(app.db, { name: `${canary} Client Ltd` });
    await buildPortalUser(app.db, { role: 'manager', client_id: client.id, name: `${canary} Person`, email: `canary7q.person@canary.test` });
    await buildStaff(app.db, { role: 'analyst', name: `${canary} Analyst` });
    await buildProject(app.db, { client_id: client.id, name: `${canary} Project` });

    const seen: string[] = [];
    for (const url of ['/login', '/forgot-password', '/reset-password/not-a-real-token', '/invite/not-a-real-token', '/login/mfa', '/mfa/setup']) {
      const ctx = await browser.newContext({ viewport: DESKTOP });
      const p = await ctx.newPage();
      const bodies: Promise<void>[] = [];
      p.on('response', (res) =>
        bodies.push(
          res.body().then(
            (b) => void seen.push(`${res.url()}\n${b.toString('latin1')}`),
            () => undefined,
          ),
        ),
      );
      await p.goto(app.url + url);
      await p.waitForLoadState('networkidle');
      seen.push(await p.content());
      await Promise.all(bodies);
      await ctx.close();
    }
    expect(
      seen.some((s) => s.includes('/api/brand')),
      'the crawl saw the brand endpoint',
    ).toBe(true);
    expect(seen.filter((s) => s.toUpperCase().includes(canary)).map((s) => s.slice(0, 120))).toEqual([]);
  });
});
