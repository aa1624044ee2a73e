import { describe, expect, it } from 'vitest';
import { setupCodeFromLogs } from '../support/app.js';
import { artifact, useBrowserApp } from '../support/browser.js';
import { PASSWORD } from '../support/factories.js';
import { secretFrom, totpCode } from '../support/totp.js';

const t = useBrowserApp();

describe('first run in the browser', () => {
  it('opens a fresh server, completes setup with the logged code and lands on the staff home page', async () => {
    const page = await t.browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    // HTTP answers the front door expects (401 before sign-in, 404 after setup) are not errors; script errors and CSP violations are.
    page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && errors.push(m.text()));

    await page.goto(t.app.url);
    await page.waitForURL('**/setup');
    await page.screenshot({ path: artifact('setup-form.png'), fullPage: true });

    // A wrong code is refused with a clear message, and nothing is created.
    await page.getByLabel('Setup code').fill('aaaaa-bbbbb-ccccc-ddddd');
    await page.getByLabel('Firm name').fill('Acme Security');
    await page.getByLabel('Your name').fill('Ada Admin');
    await page.getByLabel('Your email').fill('ada@acme.test');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Create firm and admin' }).click();
    await expect.poll(() => page.getByRole('alert').first().textContent()).toContain('setup code is not correct');

    await page.getByLabel('Setup code').fill(setupCodeFromLogs(t.app));
    await page.getByRole('button', { name: 'Create firm and admin' }).click();

    // A fresh install requires staff MFA: the first admin enrols an authenticator and sees the
    // recovery codes before the dashboard, and can't skip to it.
    await page.waitForURL('**/mfa/setup');
    await expect.poll(() => page.locator('#totp-secret').isVisible()).toBe(true);
    await page.screenshot({ path: artifact('setup-enrol.png'), fullPage: true });
    await page.goto(`${t.app.url}/staff`);
    await page.waitForURL('**/mfa/setup');
    await expect.poll(() => page.locator('#totp-secret').isVisible()).toBe(true);
    const secret = secretFrom((await page.locator('#totp-secret').textContent())!);
    await page.getByLabel('Enter the 6-digit code the app shows').fill(totpCode(secret, t.app.clock()));
    // No click: the sixth digit submits the code.
    await expect.poll(() => page.getByRole('heading', { name: 'Save your recovery codes' }).isVisible()).toBe(true);
    expect(await page.getByRole('list', { name: 'Recovery codes' }).locator('li').count()).toBe(10);
    await page.screenshot({ path: artifact('setup-recovery-codes.png'), fullPage: true });
    await page.getByRole('button', { name: /I have saved them/ }).click();
    await page.waitForURL('**/staff');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Welcome, Ada Admin');
    await page.screenshot({ path: artifact('staff-home.png'), fullPage: true });

    // After setup, the setup page sends people to the front door instead.
    await page.goto(`${t.app.url}/setup`);
    await page.waitForURL('**/staff');
    expect(errors).toEqual([]);
  });
});
