import { describe, expect, it } from 'vitest';
import { artifact, useBrowserApp } from '../support/browser.js';
import { buildClient, buildStaff, PASSWORD, signIn } from '../support/factories.js';
import { inviteLinkIn, mailsTo } from '../support/invitations.js';
import { secretFrom, totpCode } from '../support/totp.js';

const t = useBrowserApp();

describe('a portal user’s whole way in, in Chromium', () => {
  it('opens the invitation from the outbox, sets a password, enrols TOTP, keeps the recovery codes, signs out and back in', async () => {
    const admin = await signIn(t.app, await buildStaff(t.app.db, { role: 'admin' }));
    const client = await buildClient(t.app.db, { name: 'Fabrikam Inc' });
    expect((await admin.post(`/api/clients/${client.id}/users`, { email: 'vic@fabrikam.test', name: 'Vic Viewer', role: 'viewer' })).status).toBe(201);
    const [mail] = await mailsTo(t.app, 'vic@fabrikam.test');
    const link = inviteLinkIn(mail!.text_body);

    const page = await t.browser.newPage({ viewport: { width: 1280, height: 900 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(link);
    await page.getByLabel('Choose a password').fill(PASSWORD);
    await page.getByLabel('Confirm password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password and continue' }).click();
    await page.waitForURL('**/mfa/setup');

    const secret = secretFrom((await page.locator('#totp-secret').textContent())!);
    await page.getByLabel('Enter the 6-digit code the app shows').fill(totpCode(secret, t.app.clock()));
    // No click: the sixth digit submits the code.
    await expect.poll(() => page.getByRole('heading', { name: 'Save your recovery codes' }).isVisible()).toBe(true);
    expect(await page.getByRole('list', { name: 'Recovery codes' }).locator('li').count()).toBe(10);
    await page.getByRole('button', { name: 'I have saved them — continue' }).click();
    await page.waitForURL('**/portal');
    await page.screenshot({ path: artifact('onboarding-portal-home.png'), fullPage: true });

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.waitForURL('**/login');
    await page.getByLabel('Email').fill('vic@fabrikam.test');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL('**/login/mfa');
    t.app.clock.advance(30_000);
    await page.getByLabel('Authentication code').fill(totpCode(secret, t.app.clock()));
    // No click: the sixth digit submits the code.
    await page.waitForURL('**/portal');
    expect(errors).toEqual([]);
  });
});
