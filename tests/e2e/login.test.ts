import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import type { UserRow } from '../../db/schema.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { artifact, launchBrowser } from '../support/browser.js';
import { Agent } from '../support/http.js';
import { buildClient, buildFirm, buildPortalUser, buildStaff, PASSWORD } from '../support/factories.js';
import { enrolTotp, secretFrom, totpCode } from '../support/totp.js';

let app: TestApp;
let browser: Browser;
let admin: UserRow;
beforeAll(async () => {
  app = await startTestApp();
  await buildFirm(app.db, { name: 'Northwind Security', support_email: 'help@northwind.test' });
  // A staff account exists, so the front door offers sign-in rather than first-run setup.
  admin = await buildStaff(app.db, { role: 'admin', name: 'Ada Admin' });
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
  await app?.close();
});

/** A page that collects script errors and CSP violations (HTTP error answers the pages expect are not errors). */
async function newPage(width = 1280): Promise<{ page: Page; errors: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));
  return { page, errors };
}

async function passwordStep(page: Page, email: string, password = PASSWORD) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

describe('signing in through the pages', () => {
  it('takes a portal user with an authenticator through password and code to the portal', async () => {
    const client = await buildClient(app.db, { name: 'Contoso Ltd' });
    const user = await buildPortalUser(app.db, { client_id: client.id, name: 'Carla Contoso' });
    const secret = await enrolTotp(app, user);
    const { page, errors } = await newPage();

    await page.goto(app.url);
    await page.waitForURL('**/login');
    await page.screenshot({ path: artifact('login-form.png'), fullPage: true });

    // A wrong password: the generic message, and the password field is cleared.
    await passwordStep(page, user.email, 'not the right password');
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('Invalid email or password.');
    expect(await page.getByLabel('Password').inputValue()).toBe('');
    await page.screenshot({ path: artifact('login-error.png'), fullPage: true });

    await passwordStep(page, user.email);
    await page.waitForURL('**/login/mfa');
    const codeField = page.getByLabel('Authentication code');
    expect(await codeField.getAttribute('inputmode')).toBe('numeric');
    expect(await codeField.getAttribute('autocomplete')).toBe('one-time-code');
    await page.screenshot({ path: artifact('login-mfa.png'), fullPage: true });

    // A wrong code first, then the right one.
    await codeField.fill('000000');
    // No click: the sixth digit submits the code.
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('That code is not valid.');
    await page.screenshot({ path: artifact('login-mfa-error.png'), fullPage: true });
    await codeField.fill(totpCode(secret, app.clock()));
    // No click: the sixth digit submits the code.
    await page.waitForURL('**/portal');
    await page.screenshot({ path: artifact('login-portal-home.png'), fullPage: true });

    const row = await app.db.selectFrom('users').select('last_login_at').where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.last_login_at).toBeGreaterThan(0);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('offers a recovery code instead of the app code', async () => {
    const user = await buildPortalUser(app.db);
    await enrolTotp(app, user);
    const { page, errors } = await newPage(390);
    await page.goto(`${app.url}/login`);
    await passwordStep(page, user.email);
    await page.waitForURL('**/login/mfa');
    await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
    await expect.poll(() => page.getByLabel('Recovery code').isVisible()).toBe(true);
    await page.screenshot({ path: artifact('login-mfa-recovery-phone.png'), fullPage: true });
    await page.getByLabel('Recovery code').fill('aaaa-bbbb-cccc-dddd-eeee-ffff');
    await page.getByRole('button', { name: 'Verify' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('That code is not valid.');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('shows the wait when the account is throttled, and the reason when the portal is off', async () => {
    const user = await buildPortalUser(app.db);
    const agent = new Agent(app.url);
    for (let i = 0; i < 5; i++) await agent.post('/api/auth/login', { email: user.email, password: `wrong ${i} password` });
    const { page, errors } = await newPage(390);
    await page.goto(`${app.url}/login`);
    await passwordStep(page, user.email);
    await expect.poll(() => page.getByRole('alert').first().textContent()).toMatch(/Too many attempts\. Try again in \d+ s\./);
    expect(await page.getByRole('button', { name: /Wait \d+ s/ }).isDisabled()).toBe(true);
    await page.screenshot({ path: artifact('login-throttled-phone.png'), fullPage: true });

    const off = await buildClient(app.db, { portal_enabled: 0 });
    const offUser = await buildPortalUser(app.db, { client_id: off.id });
    await page.reload();
    await passwordStep(page, offUser.email);
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('This portal is switched off for your organisation.');
    expect(errors).toEqual([]);
    await page.close();
  });

  it('sends a first-time portal user to set up an authenticator, shows recovery codes once, then the portal', async () => {
    const user = await buildPortalUser(app.db, { name: 'Fiona Fabrikam' });
    const { page, errors } = await newPage();
    await page.goto(`${app.url}/login`);
    await passwordStep(page, user.email);
    await page.waitForURL('**/mfa/setup');
    await expect.poll(() => page.getByRole('img', { name: 'QR code for your authenticator app' }).isVisible()).toBe(true);
    const src = await page.getByRole('img', { name: 'QR code for your authenticator app' }).getAttribute('src');
    expect(src).toMatch(/^data:image\/svg\+xml;base64,/);
    await page.screenshot({ path: artifact('mfa-setup.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: artifact('mfa-setup-phone.png'), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });

    // "Scan" by reading the key shown for manual entry.
    const secret = secretFrom((await page.locator('#totp-secret').textContent())!);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    const codeField = page.getByLabel('Enter the 6-digit code the app shows');
    await codeField.fill('123456');
    // No click: the sixth digit submits the code.
    await expect.poll(() => page.locator('#enrol-code-error').textContent()).toContain('That code is not valid.');
    // As a person would: clear the wrong code, then type the right one (its sixth digit submits).
    await codeField.fill('');
    await codeField.fill(totpCode(secret, app.clock()));
    // No click: the sixth digit submits the code.
    await expect.poll(() => page.getByRole('heading', { name: 'Save your recovery codes' }).isVisible()).toBe(true);
    const codes = await page.getByRole('list', { name: 'Recovery codes' }).locator('li').allTextContents();
    expect(codes).toHaveLength(10);
    for (const c of codes) expect(c).toMatch(/^[a-z2-7]{4}(-[a-z2-7]{4}){5}$/);
    await page.screenshot({ path: artifact('mfa-recovery-codes.png'), fullPage: true });

    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download (.txt)' }).click()]);
    expect(download.suggestedFilename()).toBe('recovery-codes.txt');
    await page.getByRole('button', { name: 'I have saved them — continue' }).click();
    await page.waitForURL('**/portal');
    const row = await app.db.selectFrom('users').select(['totp_secret_enc', 'totp_pending_enc']).where('id', '=', user.id).executeTakeFirstOrThrow();
    expect(row.totp_secret_enc).toMatch(/^v1:/);
    expect(row.totp_pending_enc).toBeNull();

    // Account → two-factor: regenerate the recovery codes with the password.
    await page.goto(`${app.url}/account/security`);
    await expect.poll(() => page.getByText('10 of 10').isVisible()).toBe(true);
    await page.screenshot({ path: artifact('account-security.png'), fullPage: true });
    await page.getByRole('button', { name: 'Create new recovery codes' }).click();
    await page.getByLabel('Current password').fill('not my password');
    await page.getByRole('button', { name: 'Create new codes' }).click();
    await expect.poll(() => page.locator('#regen-password-error').textContent()).toContain('The password is not correct.');
    await page.getByLabel('Current password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create new codes' }).click();
    // Ten new codes are hashed before the answer: allow a busy machine more than expect.poll's default second.
    await expect.poll(() => page.getByRole('heading', { name: 'New recovery codes' }).isVisible(), { timeout: 10_000 }).toBe(true);
    const fresh = await page.getByRole('list', { name: 'Recovery codes' }).locator('li').allTextContents();
    expect(fresh).toHaveLength(10);
    expect(fresh).not.toContain(codes[0]);
    await page.screenshot({ path: artifact('account-security-new-codes.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });

  it('lets an admin require two-factor authentication for staff', async () => {
    const { page, errors } = await newPage();
    await page.goto(`${app.url}/login`);
    await passwordStep(page, admin.email);
    await page.waitForURL('**/staff');
    await page.goto(`${app.url}/staff/settings/security`);
    const toggle = page.getByRole('switch', { name: 'Require two-factor authentication for staff' });
    await expect.poll(() => toggle.getAttribute('aria-checked')).toBe('false');
    await toggle.focus();
    await page.keyboard.press('Space');
    await expect.poll(() => page.getByRole('main').getByRole('status').first().textContent()).toContain('Saved.');
    // The admin has no authenticator yet: the page points them to set one up.
    await expect.poll(() => page.getByRole('link', { name: 'Set it up now' }).isVisible()).toBe(true);
    expect(await toggle.getAttribute('aria-checked')).toBe('true');
    const firm = await app.db.selectFrom('firm').select('mfa_required_for_staff').executeTakeFirstOrThrow();
    expect(firm.mfa_required_for_staff).toBe(1);
    await page.screenshot({ path: artifact('staff-settings-security.png'), fullPage: true });
    expect(errors).toEqual([]);
    await page.close();
  });
});
