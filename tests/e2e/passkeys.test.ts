import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { freePort, startTestApp, type TestApp } from '../support/app.js';
import { artifact, launchBrowser, signedInContext, watchErrors } from '../support/browser.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { enrolTotp, totpCode } from '../support/totp.js';

// WebAuthn refuses an IP address as the relying party: the app is reached (and its PUBLIC_URL named) as localhost.
let app: TestApp;
let browser: Browser;
beforeAll(async () => {
  const port = await freePort();
  app = await startTestApp({ PORT: String(port), PUBLIC_URL: `http://localhost:${port}` });
  await buildFirm(app.db, { name: 'Northwind Security' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A fresh browser (its own cookies) with a virtual platform authenticator that always verifies the user. */
async function passkeyBrowser(width = 1280): Promise<{ context: BrowserContext; page: Page; errors: string[]; userVerifies: (yes: boolean) => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  // Off: the authenticator fails user verification, which the browser reports as NotAllowedError (as a cancelled prompt).
  const userVerifies = async (yes: boolean) => void (await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: yes }));
  return { context, page, errors: watchErrors(page), userVerifies };
}

async function passwordStep(page: Page, email: string) {
  await page.goto(`${app.url}/login`);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

const passkeysOf = (userId: string) => app.db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).execute();

describe('passkeys in the browser', () => {
  it('adds a passkey on the account page, uses it as the second factor, then alone; a removed one is refused', async () => {
    const admin = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' });
    const { context, page, errors, userVerifies } = await passkeyBrowser();

    // Password alone (no second factor yet), then Account → Two-factor authentication.
    await passwordStep(page, admin.email);
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    await page.goto(`${app.url}/account/security`);
    const section = page.getByTestId('passkeys-section');
    await section.getByText('You have no passkeys yet.').waitFor();
    await page.screenshot({ path: artifact('passkeys-account-empty.png'), fullPage: true });

    await section.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByLabel('Passkey name').fill('Work laptop');
    await page.screenshot({ path: artifact('passkeys-account-add.png'), fullPage: true });
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Add passkey' }).click();
    // The first second factor: recovery codes, once.
    await page.getByRole('heading', { name: 'Your passkey is on' }).waitFor();
    expect(await page.getByRole('list', { name: 'Recovery codes' }).locator('li').count()).toBe(10);
    await page.getByRole('button', { name: 'I have saved them' }).click();
    await section.getByText('Work laptop').waitFor();
    expect(await section.getByText('Last used').textContent()).toContain('never');
    await page.screenshot({ path: artifact('passkeys-account.png'), fullPage: true });
    expect(await passkeysOf(admin.id)).toHaveLength(1);

    // Phone width: the same section.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: artifact('passkeys-account-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // An authenticator app too: the second step offers both.
    const secret = await enrolTotp(app, admin);

    // Signed out; password, then "Use your passkey".
    await context.clearCookies();
    await passwordStep(page, admin.email);
    await page.waitForURL('**/login/mfa');
    const usePasskey = page.getByRole('button', { name: 'Use your passkey' });
    await usePasskey.waitFor();
    await page.screenshot({ path: artifact('passkeys-mfa.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: artifact('passkeys-mfa-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
    expect(await page.getByLabel('Authentication code').count()).toBe(1);
    expect(secret).toBeTruthy();
    // A prompt that fails (cancelled, or the person not verified) says so, and nothing changes.
    await userVerifies(false);
    await usePasskey.click();
    await expect.poll(() => page.getByRole('alert').first().textContent(), { timeout: 15_000 }).toContain('cancelled or timed out');
    await page.screenshot({ path: artifact('passkeys-mfa-cancelled.png'), fullPage: true });
    await userVerifies(true);
    await usePasskey.click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));
    expect((await passkeysOf(admin.id))[0]!.last_used_at).not.toBeNull();

    // The firm allows a passkey alone: the sign-in page offers it, and it signs in without a password.
    await app.db.updateTable('firm').set({ passwordless_sign_in: 1 }).execute();
    await context.clearCookies();
    await page.goto(`${app.url}/login`);
    const passkeyButton = page.getByRole('button', { name: 'Sign in with a passkey' });
    await passkeyButton.waitFor();
    await page.screenshot({ path: artifact('passkeys-login.png'), fullPage: true });
    const sent = page.waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname === '/api/auth/passkey/sign-in');
    await passkeyButton.click();
    await page.waitForURL((u) => !u.pathname.startsWith('/login'));

    // The assertion Chromium's authenticator signed, replayed: with the very cookie that bound its
    // challenge (used once, so gone), and from another browser holding a fresh challenge of its own.
    const request = await sent;
    const assertion = request.postData()!;
    const binding = (await request.allHeaders()).cookie!;
    expect(binding).toMatch(/debrief_passkey=/);
    const again = await fetch(`${app.url}/api/auth/passkey/sign-in`, {
      method: 'POST',
      headers: { origin: app.url, 'content-type': 'application/json', cookie: binding },
      body: assertion,
    });
    expect(again.status).toBe(401);
    const replay = (ctx: BrowserContext) =>
      ctx.request.post(`${app.url}/api/auth/passkey/sign-in`, { data: assertion, headers: { origin: app.url, 'content-type': 'application/json' } });
    const other = await browser.newContext();
    expect((await other.request.post(`${app.url}/api/auth/passkey/sign-in/options`, { headers: { origin: app.url } })).status()).toBe(200);
    expect((await replay(other)).status()).toBe(401);
    await other.close();

    // Removed (with the password): the authenticator still offers it, the server refuses it.
    await page.goto(`${app.url}/account/security`);
    await section.getByRole('button', { name: 'Remove passkey Work laptop' }).click();
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Remove passkey', exact: true }).click();
    await section.getByText('You have no passkeys yet.').waitFor();
    expect(await passkeysOf(admin.id)).toHaveLength(0);

    await context.clearCookies();
    await page.goto(`${app.url}/login`);
    await page.getByRole('button', { name: 'Sign in with a passkey' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('could not sign you in');
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.screenshot({ path: artifact('passkeys-login-refused.png'), fullPage: true });

    await app.db.updateTable('firm').set({ passwordless_sign_in: 0 }).execute();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('leads a portal user whose client requires passkeys from password and TOTP to adding one, then signs them in', async () => {
    const client = await buildClient(app.db, { name: 'Contoso Ltd', passkeys_only: 1 });
    const user = await buildPortalUser(app.db, { client_id: client.id, name: 'Carla Contoso' });
    const secret = await enrolTotp(app, user);
    const { context, page, errors } = await passkeyBrowser(390);

    await passwordStep(page, user.email);
    await page.waitForURL('**/login/mfa');
    await page.getByLabel('Authentication code').fill(totpCode(secret, app.clock()));
    // The code was right, but a passkey is owed.
    await page.waitForURL('**/mfa/setup');
    await page.getByRole('heading', { name: 'Add a passkey to finish signing in' }).waitFor();
    expect(await page.getByRole('heading', { name: 'Or use an authenticator app' }).count()).toBe(0);
    expect(await page.getByLabel('Current password').count()).toBe(0);
    await page.screenshot({ path: artifact('passkeys-owed-phone.png'), fullPage: true });

    await page.getByLabel('Passkey name').fill('Carla’s phone');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.waitForURL('**/portal**');
    expect(await passkeysOf(user.id)).toHaveLength(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('offers a portal user enrolling for the first time a passkey or the app; the passkey brings recovery codes and signs them in', async () => {
    const client = await buildClient(app.db, { name: 'Tailspin' });
    const user = await buildPortalUser(app.db, { client_id: client.id, name: 'Tom Tailspin' });
    const { context, page, errors } = await passkeyBrowser();

    await passwordStep(page, user.email);
    await page.waitForURL('**/mfa/setup');
    await page.getByRole('heading', { name: 'Or use an authenticator app' }).waitFor();
    await page.screenshot({ path: artifact('passkeys-enrol.png'), fullPage: true });
    await page.getByLabel('Passkey name').fill('Tom’s laptop');
    await page.getByRole('button', { name: 'Add a passkey' }).click();
    await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
    expect(await page.getByRole('list', { name: 'Recovery codes' }).locator('li').count()).toBe(10);
    await page.getByRole('button', { name: 'I have saved them — continue' }).click();
    await page.waitForURL('**/portal**');
    expect(await passkeysOf(user.id)).toHaveLength(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('lets an administrator turn on passwordless sign-in, passkeys for staff, and passkeys for a client', async () => {
    const admin = await buildStaff(app.db, { role: 'admin', name: 'Sam Settings' });
    const client = await buildClient(app.db, { name: 'Fabrikam' });
    const context = await signedInContext(browser, app.url, await signIn(app, admin));
    const page = await context.newPage();
    const errors = watchErrors(page);
    const firm = () => app.db.selectFrom('firm').select(['passwordless_sign_in', 'staff_passkeys_only']).executeTakeFirstOrThrow();

    await page.goto(`${app.url}/staff/settings/security`);
    await page.getByRole('switch', { name: 'Allow sign-in with a passkey alone' }).click();
    await page.getByText('Saved. The sign-in page now offers').waitFor();
    await page.getByRole('switch', { name: 'Staff must use passkeys' }).click();
    await page.getByText('Saved. Staff without a passkey will add one').waitFor();
    expect(await firm()).toEqual({ passwordless_sign_in: 1, staff_passkeys_only: 1 });
    await page.screenshot({ path: artifact('passkeys-staff-settings.png'), fullPage: true });
    // Off again (the other tests of this file sign staff in with their authenticator).
    await page.getByRole('switch', { name: 'Allow sign-in with a passkey alone' }).click();
    await page.getByText('Saved. Everyone signs in with their email and password first.').waitFor();
    await page.getByRole('switch', { name: 'Staff must use passkeys' }).click();
    await page.getByText('Saved. Staff may use an authenticator app or a passkey.').waitFor();
    expect(await firm()).toEqual({ passwordless_sign_in: 0, staff_passkeys_only: 0 });

    await page.goto(`${app.url}/staff/clients/${client.id}?tab=settings`);
    const only = page.getByRole('switch', { name: 'Portal users must use passkeys' });
    expect(await only.getAttribute('aria-checked')).toBe('false');
    await only.click();
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('status').filter({ hasText: 'Settings saved' }).waitFor();
    await page.screenshot({ path: artifact('passkeys-client-settings.png'), fullPage: true });
    const row = await app.db.selectFrom('clients').select('passkeys_only').where('id', '=', client.id).executeTakeFirstOrThrow();
    expect(row.passkeys_only).toBe(1);
    expect(errors).toEqual([]);
    await context.close();
  });
});
